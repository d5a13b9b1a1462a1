-- Exercise 15: a real data-parallel run over MPI, against its prediction.
-- Concepts: data parallelism for real (one process per replica, one all-reduce of the gradients per
-- step), bus bandwidth as NCCL-tests count it, weak-scaling efficiency and how far it lasts, reading
-- a prediction's error term by term.
-- Difficulty 3, 45 minutes. Platform: Jean Zay (H100 partition), whose network the last check uses.
-- The student runs `mpirun -np 2 usine train --mpi --json` and pastes its output into the file
-- (RUN); the checks grade the functions on cases drawn from the grading seed and on that run, with
-- the expected values computed from the same run (reference/mpi.lua), so the grade never depends on
-- the machine the run was made on. Without a run, the run's cases are left out and the check that
-- reads the run says how to make one.

local ref = usine.reference("mpi")

local function fmt(x, lang) return usine.num(x, { lang = lang, sig = 4, trim = true }) end

-- Jean Zay's network between two H100 nodes, as the simulator prices one flow (α, B per flow).
local JZ = usine.collective{ platform = usine.platform("jean-zay"), partition = "h100", gpus = 16, bytes = 1e8 }
local JZ_NET = { alpha_s = JZ.alpha_inter_s, bw_gbs = JZ.bw_inter_Bps / 1e9 }

-- The fields every run has, and the numbers they must be.
local FIELDS = { "ranks", "batch", "params", "grad_bytes", "step_flops", "step_s", "compute_s", "comm_s", "busbw_gbs",
                 "samples_per_s", "gflops", "sgemm_gflops", "predicted_compute_s", "predicted_comm_s", "alpha_s", "bw_gbs" }

local COMMAND = "mpirun -np 2 usine train --mpi --json"

-- The student's run: the table, or nil and why ({fr=, en=}).
local function read_run(s)
  local text = rawget(s, "RUN")
  if type(text) ~= "string" or not text:find("%S") then
    return nil, { fr = ("le fichier ne contient pas de mesure : lancez `%s` et collez sa sortie dans RUN = [[ ... ]]"):format(COMMAND),
                  en = ("the file holds no measurement: run `%s` and paste its output into RUN = [[ ... ]]"):format(COMMAND),
                  short = { fr = "RUN est vide", en = "RUN is empty" } }
  end
  local run, err = usine.json(text)
  if type(run) ~= "table" then
    return nil, { fr = ("RUN n'est pas la sortie de --json (%s) : collez-la telle quelle"):format(err or "?"),
                  en = ("RUN is not the output of --json (%s): paste it as it is"):format(err or "?"),
                  short = { fr = "RUN n'est pas du JSON", en = "RUN is not JSON" } }
  end
  for _, f in ipairs(FIELDS) do
    if not usine.finite(run[f]) or run[f] < 0 then
      return nil, { fr = ("RUN n'a pas de champ numérique '%s' : collez toute la sortie de `%s`"):format(f, COMMAND),
                    en = ("RUN has no numeric field '%s': paste the whole output of `%s`"):format(f, COMMAND),
                    short = { fr = ("RUN n'a pas de champ '%s'"):format(f), en = ("RUN has no field '%s'"):format(f) } }
    end
  end
  if run.ranks < 2 or run.comm_s <= 0 or run.compute_s <= 0 then
    return nil, { fr = ("RUN vient d'un seul processus, sans all-reduce : lancez-le sur deux au moins (`%s`)"):format(COMMAND),
                  en = ("RUN comes from one process, without an all-reduce: run it on two or more (`%s`)"):format(COMMAND),
                  short = { fr = "RUN vient d'un seul processus", en = "RUN comes from one process" } }
  end
  return run
end

-- Read once per submission: the four checks ask for it (each submission is graded in a process of
-- its own, with one results table s).
local seen, seen_run, seen_why
local function the_run(s)
  if seen ~= s then seen, seen_run, seen_why = s, read_run(s) end
  return seen_run, seen_why
end

local function run_said(run, lang)
  if lang == "fr" then
    return ("votre mesure (%d processus, %s Mo de gradients, pas de %s ms)"):format(run.ranks, fmt(run.grad_bytes / 1e6, "fr"), fmt(run.step_s * 1e3, "fr"))
  end
  return ("your run (%d processes, %s MB of gradients, %s ms steps)"):format(run.ranks, fmt(run.grad_bytes / 1e6), fmt(run.step_s * 1e3))
end

-- Appends "; <why there is no run>" to a check's words when the run's cases were left out.
local function with_note(share, words, why)
  if not why then return share, words end
  local note_fr, note_en = " (sans les cas de votre mesure : " .. why.short.fr .. ")", " (without your run's cases: " .. why.short.en .. ")"
  if share == true then return true, { fr = "Juste" .. note_fr, en = "Right" .. note_en } end
  return share, { fr = words.fr .. note_fr, en = words.en .. note_en,
                  exam = { fr = words.exam.fr .. note_fr, en = words.exam.en .. note_en } }
end

-- Runs made up from the grading seed: what a class's laptops and a cluster's nodes could print.
local function made_up_run(k)
  local p = math.random(2, 64)
  local compute = math.random(5, 2000) / 1000
  local comm = compute * 10 ^ (math.random() * 3 - 2.5)
  local run = { ranks = p, compute_s = compute, comm_s = comm,
                predicted_compute_s = compute * (0.6 + 0.8 * math.random()),
                predicted_comm_s = comm * 10 ^ (math.random() * 2 - 1.5) }
  run.name = { fr = ("exécution %d : calcul %s ms mesuré, %s prédit ; all-reduce %s ms mesuré, %s prédit"):format(k,
                 fmt(run.compute_s * 1e3, "fr"), fmt(run.predicted_compute_s * 1e3, "fr"), fmt(run.comm_s * 1e3, "fr"), fmt(run.predicted_comm_s * 1e3, "fr")),
               en = ("run %d: compute %s ms measured, %s predicted; all-reduce %s ms measured, %s predicted"):format(k,
                 fmt(run.compute_s * 1e3), fmt(run.predicted_compute_s * 1e3), fmt(run.comm_s * 1e3), fmt(run.predicted_comm_s * 1e3)) }
  return run
end

local function busbw_slip(c, got)
  if type(got) ~= "number" or c.p < 2 then return nil end
  local algbw = c.bytes / c.seconds / 1e9
  if usine.near(got, algbw, 0.01) then
    return { fr = "c'est la bande passante de l'algorithme (octets / temps) : celle du bus compte ce que porte chaque lien d'un anneau",
             en = "that is the algorithm bandwidth (bytes / time): the bus bandwidth counts what each link of a ring carries" }
  end
  if usine.near(got, 2 * algbw, 0.01) then
    return { fr = "le facteur n'est pas 2 : dans un anneau de p processus, chacun envoie 2 (p − 1) parts de 1/p des octets",
             en = "the factor is not 2: in a ring of p processes, each sends 2 (p - 1) pieces of 1/p of the bytes" }
  end
  if usine.near(got, 8 * ref.busbw_gbs(c.bytes, c.p, c.seconds), 0.01) then
    return { fr = "c'est en gigabits par seconde : la bande passante de bus se compte en octets", en = "that is in gigabits per second: bus bandwidth counts bytes" }
  end
end

local function ranks_slip(c, got)
  if type(got) ~= "number" then return nil end
  -- an efficiency of comm / compute instead of compute / (compute + comm)
  local function loose(p) return ref.efficiency(c.compute_s, c.bytes, p, c.alpha_s, c.bw_gbs) end
  local alt = ref.max_ranks(c.compute_s, c.bytes, c.alpha_s, c.bw_gbs / 8, c.target)
  if got == alt and alt ~= ref.max_ranks(c.compute_s, c.bytes, c.alpha_s, c.bw_gbs, c.target) then
    return { fr = "c'est avec une bande passante huit fois trop petite : bw_gbs est déjà en octets (Go/s), pas en Gbit/s",
             en = "that is with a bandwidth eight times too small: bw_gbs is already in bytes (GB/s), not Gbit/s" }
  end
  if got >= 2 and loose(got) < c.target then
    return { fr = ("à %d processus l'efficacité n'est que de %s %% : moins que la cible"):format(got, fmt(100 * loose(got), "fr")),
             en = ("at %d processes the efficiency is only %s %%: below the target"):format(got, fmt(100 * loose(got))) }
  end
end

return {
  id = "mpi",
  title = { fr = "Un vrai entraînement en parallèle de données", en = "A real data-parallel run" },
  text = {
    fr = [==[
# Un vrai entraînement en parallèle de données

Jusqu'ici, les GPU étaient simulés. Ici, le parallélisme de données tourne pour de vrai, sur cet
ordinateur : `usine train --mpi` lance un processus MPI par réplique. Chacun construit le même
réseau (même graine), lit sa part des lots, calcule ses gradients, puis tous les additionnent avec
**un** `MPI_Allreduce` sur le tampon contigu des gradients, et chacun applique la moyenne. Le pas
est donc le calcul puis l'all-reduce, l'un après l'autre : ce programme ne les recouvre pas
(l'exercice 8 montre ce que gagne le recouvrement).

## Mesurer

Dans un terminal :

    mpirun -np 2 usine train --mpi --json

(en root, Open MPI veut aussi `--allow-run-as-root`). La commande affiche une table JSON : le pas
mesuré (`step_s`), coupé en calcul (`compute_s`) et all-reduce (`comm_s`), les octets des gradients
(`grad_bytes`), et ce qu'Usine prédit pour le même travail (`predicted_compute_s`,
`predicted_comm_s`) avec le débit sgemm mesuré dans l'exécution et la latence `alpha_s` et le débit
`bw_gbs` d'un ping-pong MPI entre deux processus. Collez cette sortie, telle quelle, dans votre
fichier : `RUN = [[ ... ]]`. Les vérifications s'en servent : une mesure est plus intéressante
qu'une table recopiée. Sans MPI (`make MPICC=`), la commande le dit et les vérifications se font
sans elle.

## Lire un all-reduce : la bande passante de bus

Un all-reduce de `S` octets en `t` secondes a une bande passante d'algorithme `S / t`. Elle baisse
quand `p` grandit, même sur un réseau parfait, car un anneau fait passer sur chaque lien
`2 (p − 1)` parts de `S / p`. NCCL-tests corrige par ce facteur : la **bande passante de bus** est
la bande passante d'algorithme multipliée par ce que porte chaque lien rapporté à `S`, et se
compare directement au débit d'un lien, quel que soit `p`. Exemple : 9,49 Mo réduits par 2
processus en 3,57 ms font 2,66 Go/s de bande passante d'algorithme ; à deux, le facteur vaut 1, et
la bande passante de bus aussi 2,66 Go/s.

## Jusqu'où cela passe à l'échelle

Avec le même lot par processus (mise à l'échelle faible), le calcul par pas ne change pas quand on
ajoute des processus, mais l'all-reduce s'allonge : dans le modèle alpha-bêta de l'exercice 7, un
anneau fait `2 (p − 1)` étapes, chacune coûtant une latence plus `S / p` octets au débit d'un flux.
L'**efficacité** est la part du pas passée à calculer : calcul / (calcul + all-reduce). Elle vaut 1
pour un processus et baisse ensuite ; pour 40 ms de calcul et 9,49 Mo sur un lien de 12 Go/s à
0,6 µs de latence, elle vaut 0,98 à deux processus.

## Lire une prédiction

Une prédiction fausse de 10 % ne dit pas d'elle-même ce qui est faux. Comparez chaque terme en
secondes : un all-reduce prédit à −76 % peut coûter moins d'erreur qu'un calcul prédit à −8 %,
s'il est dix fois plus court. Sur un seul ordinateur, le « réseau » est la mémoire partagée : le
ping-pong mesure deux processus au repos, alors que pendant le pas les deux processus se disputent
la mémoire et les caches, et l'all-reduce attend aussi le plus lent (le temps mesuré comprend cette
attente). Sur une grappe, α et B sont ceux du réseau entre nœuds.

## À faire

1. `busbw_gbs(bytes, p, seconds)` : la bande passante de bus, en Go/s, d'un all-reduce de `bytes`
   octets sur `p` processus en `seconds` secondes ;
2. `max_ranks(compute_s, bytes, alpha_s, bw_gbs, target)` : le plus grand nombre de processus dont
   l'efficacité reste au moins `target` (entre 0 et 1), avec l'all-reduce en anneau de l'exercice 7
   (latence `alpha_s` en s, débit d'un flux `bw_gbs` en Go/s) ; 1 si même deux processus la ratent.
   Une boucle sur `p` marche ; résoudre l'inégalité va plus vite ;
3. `largest_gap(run)` : `"compute"` si la prédiction du calcul se trompe de plus de secondes que
   celle de l'all-reduce, sinon `"allreduce"` (`run` a les champs de la sortie JSON).

Les vérifications essaient vos fonctions sur des cas tirés à chaque correction, puis sur votre
mesure : la bande passante de bus de votre all-reduce, le nombre de processus que votre calcul et
vos gradients supporteraient sur le réseau entre deux nœuds H100 de Jean Zay, et le terme que la
prédiction de votre exécution manque le plus. Une dernière vérification contrôle que votre mesure
est entière : ses chiffres doivent s'accorder entre eux.

Sources : MPI Forum, MPI 4.0, MPI_Allreduce ; NVIDIA, nccl-tests, « Performance » (bande passante
d'algorithme et de bus) ; P. Patarasuk, X. Yuan, « Bandwidth optimal all-reduce algorithms for
clusters of workstations », JPDC 69(2), 2009.
]==],
    en = [==[
# A real data-parallel run

Until now the GPUs were simulated. Here data parallelism runs for real, on this computer: `usine
train --mpi` starts one MPI process per replica. Each builds the same network (same seed), reads
its share of the batches, computes its gradients, then all of them sum them with **one**
`MPI_Allreduce` over the contiguous gradient buffer, and each applies the average. The step is
therefore the compute and then the all-reduce, one after the other: this program does not overlap
them (exercise 8 shows what overlapping gains).

## Measuring

In a terminal:

    mpirun -np 2 usine train --mpi --json

(as root, Open MPI also wants `--allow-run-as-root`). The command prints a JSON table: the
measured step (`step_s`), split into compute (`compute_s`) and all-reduce (`comm_s`), the gradient
bytes (`grad_bytes`), and what Usine predicts for the same work (`predicted_compute_s`,
`predicted_comm_s`) from the sgemm rate measured in the run and the latency `alpha_s` and rate
`bw_gbs` of an MPI ping-pong between two processes. Paste that output, as it is, into your file:
`RUN = [[ ... ]]`. The checks use it: a measurement is more interesting than a copied table.
Without MPI (`make MPICC=`), the command says so and the checks go on without it.

## Reading an all-reduce: bus bandwidth

An all-reduce of `S` bytes in `t` seconds has an algorithm bandwidth `S / t`. It falls as `p`
grows, even on a perfect network, because a ring puts `2 (p - 1)` pieces of `S / p` on every link.
NCCL-tests corrects by that factor: the **bus bandwidth** is the algorithm bandwidth times what
each link carries relative to `S`, and compares directly with a link's rate, whatever `p`.
Example: 9.49 MB reduced by 2 processes in 3.57 ms is 2.66 GB/s of algorithm bandwidth; with two,
the factor is 1, and the bus bandwidth is 2.66 GB/s too.

## How far it scales

With the same batch per process (weak scaling), the compute per step does not change as processes
are added, but the all-reduce grows: in exercise 7's alpha-beta model a ring takes `2 (p - 1)`
steps, each costing one latency plus `S / p` bytes at one flow's rate. The **efficiency** is the
share of the step spent computing: compute / (compute + all-reduce). It is 1 for one process and
falls after that; for 40 ms of compute and 9.49 MB over a 12 GB/s link with 0.6 µs of latency, it
is 0.98 with two processes.

## Reading a prediction

A prediction 10 % off does not say by itself what is wrong. Compare each term in seconds: an
all-reduce predicted at -76 % can cost less error than a compute predicted at -8 %, if it is ten
times shorter. On a single computer the "network" is shared memory: the ping-pong measures two
idle processes, while during the step both processes compete for memory and caches, and the
all-reduce also waits for the slowest (the measured time includes that wait). On a cluster, α and
B are those of the network between nodes.

## Your task

1. `busbw_gbs(bytes, p, seconds)`: the bus bandwidth, in GB/s, of an all-reduce of `bytes` bytes
   over `p` processes in `seconds` seconds;
2. `max_ranks(compute_s, bytes, alpha_s, bw_gbs, target)`: the largest number of processes whose
   efficiency stays at least `target` (between 0 and 1), with exercise 7's ring all-reduce
   (latency `alpha_s` in s, one flow's rate `bw_gbs` in GB/s); 1 if even two processes miss it. A
   loop over `p` works; solving the inequality is quicker;
3. `largest_gap(run)`: `"compute"` if the prediction of the compute is off by more seconds than
   that of the all-reduce, else `"allreduce"` (`run` has the fields of the JSON output).

The checks try your functions on cases drawn at each grading, then on your run: the bus bandwidth
of your all-reduce, the number of processes your compute and gradients would bear on the network
between two of Jean Zay's H100 nodes, and the term your run's prediction misses most. A last check
makes sure your run is whole: its figures must agree with one another.

Sources: MPI Forum, MPI 4.0, MPI_Allreduce; NVIDIA, nccl-tests, "Performance" (algorithm and bus
bandwidth); P. Patarasuk, X. Yuan, "Bandwidth optimal all-reduce algorithms for clusters of
workstations", JPDC 69(2), 2009.
]==],
  },
  concepts = {
    fr = { "parallélisme de données", "MPI_Allreduce", "bande passante de bus", "mise à l'échelle faible", "erreur d'une prédiction" },
    en = { "data parallelism", "MPI_Allreduce", "bus bandwidth", "weak scaling", "a prediction's error" },
  },
  difficulty = 3,
  minutes = 45,
  platform = "jean-zay",
  scenario = { partition = "h100" },
  -- Nothing of usine: the functions take numbers and the run's table.
  allow = {},
  starter = [==[
-- Exercice 15 : un vrai entraînement en parallèle de données / Exercise 15: a real data-parallel run
-- Collez ici la sortie de / paste here the output of:  mpirun -np 2 usine train --mpi --json
RUN = [[
]]


-- Bande passante de bus, en Go/s / bus bandwidth, in GB/s
function busbw_gbs(bytes, p, seconds)
  return nil
end

-- Processus au plus, à l'efficacité target / most processes at efficiency target
function max_ranks(compute_s, bytes, alpha_s, bw_gbs, target)
  return nil
end

-- "compute" ou/or "allreduce"
function largest_gap(run)
  return nil
end
]==],
  checks = {
    {
      id = "busbw",
      title = { fr = "Bande passante de bus", en = "Bus bandwidth" },
      points = 3,
      hint = { fr = "Partez des octets par seconde, puis comptez ce que porte chaque lien d'un anneau, rapporté aux octets réduits.",
               en = "Start from bytes per second, then count what each link of a ring carries, relative to the bytes reduced." },
      run = function(s, ctx)
        local list = {}
        for k = 1, 20 do
          local p = k <= 3 and k + 1 or math.floor(2 ^ (math.random() * 12)) + 1
          local bytes, seconds = math.random(1, 999) * 10 ^ math.random(3, 10), 10 ^ (math.random() * 5 - 5)
          list[#list + 1] = { p = p, bytes = bytes, seconds = seconds,
                              name = { fr = ("all-reduce de %s octets sur %d processus en %s s"):format(fmt(bytes, "fr"), p, fmt(seconds, "fr")),
                                       en = ("all-reduce of %s bytes over %d processes in %s s"):format(fmt(bytes), p, fmt(seconds)) } }
        end
        local run, why = the_run(s)
        if run then
          list[#list + 1] = { p = run.ranks, bytes = run.grad_bytes, seconds = run.comm_s, name = { fr = run_said(run, "fr"), en = run_said(run, "en") } }
        end
        local share, words = usine.cases(ctx, list, function(c) return s.busbw_gbs(c.bytes, c.p, c.seconds), ref.busbw_gbs(c.bytes, c.p, c.seconds) end,
                                     { unit = { fr = "Go/s", en = "GB/s" }, slip = busbw_slip })
        return with_note(share, words, why)
      end,
    },
    {
      id = "max-ranks",
      title = { fr = "Jusqu'où la mise à l'échelle faible tient", en = "How far weak scaling holds" },
      points = 4,
      hint = { fr = "L'efficacité baisse quand p grandit : cherchez le dernier p où calcul / (calcul + all-reduce en anneau) atteint encore la cible.",
               en = "The efficiency falls as p grows: find the last p where compute / (compute + ring all-reduce) still reaches the target." },
      run = function(s, ctx)
        local list = {}
        while #list < 16 do
          local c = { compute_s = 10 ^ (math.random() * 3 - 2.5), bytes = math.random(1, 999) * 10 ^ math.random(5, 9),
                      alpha_s = 10 ^ (math.random() * 2.5 - 7), bw_gbs = math.random(1, 400) / 4, target = math.random(50, 97) / 100 }
          local want = ref.max_ranks(c.compute_s, c.bytes, c.alpha_s, c.bw_gbs, c.target)
          -- within what a loop over p does quickly; some cases where even two miss the target
          if want <= 20000 and (want > 1 or #list % 5 == 0) then
            c.name = { fr = ("calcul %s s, %s octets, α = %s s, B = %s Go/s, cible %s"):format(fmt(c.compute_s, "fr"), fmt(c.bytes, "fr"), fmt(c.alpha_s, "fr"), fmt(c.bw_gbs, "fr"), fmt(c.target, "fr")),
                       en = ("compute %s s, %s bytes, α = %s s, B = %s GB/s, target %s"):format(fmt(c.compute_s), fmt(c.bytes), fmt(c.alpha_s), fmt(c.bw_gbs), fmt(c.target)) }
            list[#list + 1] = c
          end
        end
        local run, why = the_run(s)
        if run then
          for _, target in ipairs({ 0.9, 0.5 }) do
            list[#list + 1] = { compute_s = run.compute_s, bytes = run.grad_bytes, alpha_s = JZ_NET.alpha_s, bw_gbs = JZ_NET.bw_gbs, target = target,
                                name = { fr = ("%s, sur le réseau entre nœuds H100 de Jean Zay (α = %s s, B = %s Go/s), cible %s"):format(run_said(run, "fr"), fmt(JZ_NET.alpha_s, "fr"), fmt(JZ_NET.bw_gbs, "fr"), fmt(target, "fr")),
                                         en = ("%s, on the network between Jean Zay's H100 nodes (α = %s s, B = %s GB/s), target %s"):format(run_said(run, "en"), fmt(JZ_NET.alpha_s), fmt(JZ_NET.bw_gbs), fmt(target)) } }
          end
        end
        local share, words = usine.cases(ctx, list, function(c)
          local want = ref.max_ranks(c.compute_s, c.bytes, c.alpha_s, c.bw_gbs, c.target)
          return s.max_ranks(c.compute_s, c.bytes, c.alpha_s, c.bw_gbs, c.target), want,
                 { { value = want + 1, credit = 0.5, fr = "c'est le premier nombre de processus qui rate la cible : un de trop",
                     en = "that is the first number of processes that misses the target: one too many" } }
        end, { exact = true, slip = ranks_slip })
        return with_note(share, words, why)
      end,
    },
    {
      id = "largest-gap",
      title = { fr = "Le terme que la prédiction manque le plus", en = "The term the prediction misses most" },
      points = 2,
      hint = { fr = "Comparez les écarts en secondes, pas en pour cent.", en = "Compare the gaps in seconds, not in per cent." },
      run = function(s, ctx)
        local list = {}
        for k = 1, 24 do list[#list + 1] = made_up_run(k) end
        local run, why = the_run(s)
        if run then
          run.name = { fr = run_said(run, "fr"), en = run_said(run, "en") }
          list[#list + 1] = run
        end
        local function copy(r)
          return { ranks = r.ranks, compute_s = r.compute_s, comm_s = r.comm_s, predicted_compute_s = r.predicted_compute_s,
                   predicted_comm_s = r.predicted_comm_s, step_s = r.step_s or r.compute_s + r.comm_s,
                   predicted_step_s = r.predicted_compute_s + r.predicted_comm_s }
        end
        local share, words = usine.cases(ctx, list, function(c) return s.largest_gap(copy(c)), ref.largest_gap(c) end, { classes = true })
        return with_note(share, words, why)
      end,
    },
    {
      id = "your-run",
      title = { fr = "Votre mesure, entière", en = "Your run, whole" },
      points = 3,
      hint = { fr = ("Lancez `%s` et collez toute sa sortie, sans la modifier, entre RUN = [[ et ]]."):format(COMMAND),
               en = ("Run `%s` and paste its whole output, unchanged, between RUN = [[ and ]]."):format(COMMAND) },
      run = function(s, ctx)
        local run, why = the_run(s)
        if not run then return false, { fr = why.fr, en = why.en } end
        local list = {}
        for _, c in ipairs(ref.consistency(run)) do
          c.name = { fr = c.fr, en = c.en }
          list[#list + 1] = c
        end
        local share, words = usine.cases(ctx, list, function(c) return c.got, c.want end, { rel = 0.02 })
        if share ~= true then return share, words end
        -- the step's compute against the sgemm rate measured in the same run: a busy machine shows
        local slower = run.compute_s / run.predicted_compute_s - 1
        local fr = ("Mesure entière : %d processus, pas de %s ms dont %s ms d'all-reduce (%s Go/s de bande passante de bus)"):format(
          run.ranks, fmt(run.step_s * 1e3, "fr"), fmt(run.comm_s * 1e3, "fr"), fmt(run.busbw_gbs, "fr"))
        local en = ("A whole run: %d processes, %s ms steps with %s ms of all-reduce (%s GB/s of bus bandwidth)"):format(
          run.ranks, fmt(run.step_s * 1e3), fmt(run.comm_s * 1e3), fmt(run.busbw_gbs))
        if slower > 0.3 then
          fr = fr .. ("; le calcul a pris %s %% de plus que ne le prédit le débit sgemm mesuré dans la même exécution : un autre programme tournait peut-être, relancez sur une machine au repos"):format(fmt(100 * slower, "fr"))
          en = en .. ("; the compute took %s %% longer than the sgemm rate measured in the same run predicts: another program may have been running, run it again on an idle machine"):format(fmt(100 * slower))
        end
        return true, { fr = fr .. ".", en = en .. "." }
      end,
    },
  },
}
