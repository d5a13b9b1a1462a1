-- Exercise 12: reliability at scale, failures and checkpoints.
-- Concepts: MTBF, failure rates that add up, checkpoint size, Young/Daly interval, work lost,
-- goodput. Difficulty 3, 40 minutes. Platform: Alice Recoque; the checks also use Jean Zay, Eos,
-- Frontier and JUPITER, up to 16,384 GPUs.
-- The formulas are those of the training model (sim/train.c); every expected value comes from
-- usine.predict on the same run. The API does not expose the storage's read bandwidth, so the
-- restart time given to the student is recovered from the prediction's own fields.

local function fmt(x, lang) return usine.num(x, { lang = lang, sig = 6, trim = true }) end
-- Runs, up to 16,384 GPUs, on 4- and 8-GPU nodes; the plan is the planner's best.
local run_cases = {
  { platform = "jean-zay", partition = "h100", model = "llama3-70b", gpus = 1024, gbs = 1024, tokens = 1.5e12 },
  { platform = "jean-zay", partition = "a100", model = "bloom-176b", gpus = 384, gbs = 1536, tokens = 3.66e11 },
  { platform = "jean-zay", partition = "a100", model = "llama2-7b", gpus = 100, gbs = 200, tokens = 2e12 },
  { platform = "jean-zay", partition = "h100", model = "llama3-8b", gpus = 1022, gbs = 1022, tokens = 1.5e13 },
  { platform = "eos", partition = "h100", model = "gpt3-175b", gpus = 4608, gbs = 1536, tokens = 3e11 },
  { platform = "alice-recoque", partition = "gpu", model = "llama3-405b", gpus = 8192, gbs = 2048, tokens = 1.56e13 },
  { platform = "jupiter", partition = "booster", model = "llama3-405b", gpus = 16384, gbs = 8192, tokens = 1.56e13 },
  { platform = "frontier", partition = "mi250x", model = "llama3-405b", gpus = 16384, gbs = 8192, tokens = 1.56e13 },
}
for _, c in ipairs(run_cases) do usine.platform(c.platform) end

-- Predictions, made once per submission (the checks run one after the other in its process).
local cache
local function predictions()
  if cache then return cache end
  cache = {}
  for _, c in ipairs(run_cases) do
    local best = usine.plan { platform = c.platform, partition = c.partition, model = c.model, gpus = c.gpus,
                              gbs = c.gbs, top = 1, cp = 1, seq_parallel = false, flash = false, dp_overlap = true }.plans[1]
    local r = usine.predict { platform = c.platform, partition = c.partition, model = c.model, gpus = c.gpus,
                              gbs = c.gbs, tp = best.tp, pp = best.pp, vpp = best.vpp, mbs = best.mbs,
                              zero = best.zero, recompute = best.recompute, tokens = c.tokens }
    local d, M, tau = r.checkpoint_write_s, r.job_mtbf_s, r.checkpoint_interval_s
    -- restart time: what is left of the waste once the checkpoints and the lost half intervals are
    -- counted (the storage's read bandwidth is not in the Lua API)
    local restart = ((1 - r.goodput) - d / (tau + d)) * M - tau / 2
    cache[#cache + 1] = { c = c, r = r, restart = restart }
  end
  return cache
end

local function label(c, lang)
  if lang == "fr" then
    return ("%s sur %s/%s, %d GPU"):format(c.model, c.platform, c.partition, c.gpus)
  end
  return ("%s on %s/%s, %d GPUs"):format(c.model, c.platform, c.partition, c.gpus)
end

-- The model's interval (reference/reliability.lua, not installed), for inputs the check chooses:
-- among them a checkpoint slower than M/2, and two drawn from the grading seed.
local ref = usine.reference("reliability")
local copy = usine.reference("made-up").copy
-- Drawn cases outnumber the fixed ones in every check: a table of answers harvested in practice
-- does not carry into an exam.
local interval_cases = { { 60, 11100 }, { 600, 3600 }, { 3000, 4000 }, { 1, 1e6 } }
for i = 1, 14 do
  interval_cases[#interval_cases + 1] = i % 3 == 0 and { math.random(1000, 5000), math.random(1500, 8000) }
                                                    or { math.random(1, 900), math.random(3600, 400000) }
end
-- Small machines with slow storage, where a third to a half of the time is lost: {T, delta, R, M}.
local lossy_cases = {}
for i = 1, 12 do
  local M = math.random(2400, 7200)
  lossy_cases[i] = { math.random(2, 40) * 86400, math.random(120, 400), math.random(200, 900), M }
end
local function lossy_name(c, lang, with_T)
  local what = ("δ = %s s, R = %s s, M = %s s"):format(fmt(c[2], lang), fmt(c[3], lang), fmt(c[4], lang))
  return with_T and ("T = %s s, %s"):format(fmt(c[1], lang), what) or what
end

return {
  id = "reliability",
  title = { fr = "Fiabilité à grande échelle : pannes et points de reprise",
            en = "Reliability at scale: failures and checkpoints" },
  text = {
    fr = [[
# Fiabilité à grande échelle : pannes et points de reprise

Un GPU tombe rarement en panne. Seize mille GPU, souvent.

## Des taux de panne qui s'additionnent

Le **MTBF** (*mean time between failures*) d'un composant est le temps moyen entre deux de ses
pannes ; son **taux de panne** est `1 / MTBF`. Un entraînement synchrone s'arrête dès qu'**un**
de ses composants tombe : les taux s'additionnent.

```
1 / MTBF_tâche = GPU / MTBF_GPU + nœuds / MTBF_nœud
```

Les fichiers de plateforme d'Usine donnent 86 300 h par GPU (`accelerator.mtbf_h`) et 15 300 h par
nœud pour tout le reste : CPU, mémoire, cartes réseau, alimentation, plus la part des
commutateurs, câbles et logiciels (`node.mtbf_h`). Ces deux chiffres viennent d'une seule
source : Meta, « The Llama 3 Herd of Models » (2024, section 3.3.4 et tableau 5), qui compte
**419 interruptions imprévues en 54 jours** de préentraînement de Llama 3 405B sur **16 384 H100**
(2 048 serveurs de 8), dont 58,7 % dues aux GPU. Ce sont des taux d'interruption mesurés sur une
grappe, pas des chiffres de constructeur, et ils sont transposés tels quels aux autres machines.

Vérification : 16 384 / 86 300 + 2 048 / 15 300 = 0,190 + 0,134 = 0,324 panne par heure, soit
une toutes les **3,1 h**, et 54 × 24 / 3,1 ≈ 419. Avec des nœuds de 4 GPU (Jean Zay H100, Alice
Recoque, JUPITER, Frontier), les mêmes 16 384 GPU occupent 4 096 nœuds : 0,190 + 0,268 = 0,458,
une panne toutes les 2,2 h. Le nombre de nœuds d'une tâche est `ceil(GPU / GPU par nœud)`.

## Les points de reprise (*checkpoints*)

Pour ne pas tout perdre, la tâche écrit régulièrement son état sur le système de fichiers
parallèle : en bf16 avec Adam, 2 octets de poids et 12 octets d'état de l'optimiseur (poids
maîtres fp32, moments m et v fp32) par paramètre, soit **14 octets par paramètre** : 5,7 To pour
Llama 3 405B.
Écrire prend `δ = octets / débit d'écriture` ; après une panne, relire prend `R = octets / débit de
lecture`, et il faut refaire le travail perdu depuis le dernier point de reprise : en moyenne la
moitié d'un intervalle.

## L'intervalle de Young et Daly

Écrire trop souvent perd du temps à écrire ; trop rarement, à refaire. Au premier ordre, la part
perdue vaut `δ / τ + τ / (2M)` (τ : travail entre deux points de reprise, M : MTBF de la tâche),
plus le redémarrage, `R / M`. Elle est minimale pour l'intervalle de **Young** (1974) :

```
τ ≈ √(2 × δ × M)
```

et vaut alors environ `√(2δ / M)`. **Daly** (2006) affine au second ordre :
`τ = √(2δM) × (1 + √(δ / 2M) / 3 + (δ / 2M) / 9) − δ` tant que `δ < 2M`, et `τ = M` au-delà, quand
l'écriture est trop lente.

Usine (`sim/train.c`) ne garde que les deux premiers termes de ce développement, `√(2δM) − δ`, et
passe à `τ = M` bien plus tôt que Daly : dès `δ ≥ M / 2`, là où ces deux termes ne donnent plus
que `τ = M / 2` (à `δ = 2M`, ils donneraient 0). Ce seuil `M / 2` est une règle d'Usine, pas celle
de Daly :

```
τ = √(2δM) − δ        si δ < M / 2,  sinon τ = M
```

La perte a deux parts : chaque cycle (travail puis écriture) passe `δ` à écrire, et chaque panne,
une tous les `M` en moyenne, fait refaire le travail depuis le dernier point de reprise (un
demi-intervalle en moyenne) et relire le point de reprise (`R`). Le goodput est ce qui reste ; seul
ce temps utile fait avancer l'entraînement. C'est une approximation du premier ordre : elle ignore
les pannes pendant l'écriture ou la reprise, et le temps de redémarrer la tâche elle-même
(remplacer les nœuds, relancer NCCL), souvent plusieurs minutes en pratique.

Exemple : Llama 3 405B sur 8 192 MI430X d'Alice Recoque (2 048 nœuds) : M = 4,37 h = 15 740 s ;
le stockage supposé écrit 2 To/s, donc δ = 2,84 s ; τ = √(2 × 2,84 × 15 740) − 2,84 ≈ 296 s, un
point de reprise toutes les 5 minutes ; la perte est d'environ 1,9 %.

`usine.predict{…, tokens = D}` donne tout cela : `job_mtbf_s`, `checkpoint_bytes`,
`checkpoint_write_s` (δ), `checkpoint_interval_s` (τ), `goodput`, `interruptions`,
`time_to_train_s` (sans pannes) et `wall_time_s` (avec). Les vérifications s'en servent ; votre
rendu, lui, n'a de `usine` que `p:partition(id)` (`usine.predict` y donnerait les réponses) :
essayez `usine predict … --tokens D` dans un terminal.

## À faire

1. `job_mtbf_h(p, id, gpus)` : le MTBF en heures d'une tâche sur les `gpus` premiers GPU de la
   partition `id` de la plateforme `p` (`p:partition(id).accelerator.mtbf_h`, `.node.mtbf_h`,
   `.gpus_per_node`) ;
2. `checkpoint_bytes(params)` : la taille d'un point de reprise en octets (bf16 et Adam) ;
3. `interval_s(delta_s, mtbf_s)` : l'intervalle entre points de reprise, comme Usine ;
4. `lost_fraction(delta_s, restart_s, mtbf_s)` : la part du temps perdue (1 − goodput), avec
   l'intervalle de `interval_s` ;
5. `wall_time_s(train_s, delta_s, restart_s, mtbf_s)` : le temps réel d'un entraînement qui
   durerait `train_s` sans pannes ;
6. `max_gpus(p, id, delta_s, restart_s, goodput)` : la question inverse : le plus grand nombre de
   GPU de la partition `id` sur lequel une tâche garde au moins ce `goodput` (entre 0 et 1),
   l'écriture et la relecture d'un point de reprise prenant `delta_s` et `restart_s` ; 0 si même un
   GPU n'y arrive pas.

L'API ne donne pas le débit de lecture du stockage : les vérifications vous passent `restart_s`.
Elles comparent vos fonctions à `usine.predict` sur Jean Zay (H100, A100), Eos, Alice Recoque,
JUPITER et Frontier, de 100 à 16 384 GPU.

Sources : Meta, « The Llama 3 Herd of Models », 2024 (section 3.3.4, tableau 5) ; J. W. Young,
« A first order approximation to the optimum checkpoint interval », Communications of the ACM,
1974 ; J. T. Daly, « A higher order estimate of the optimum checkpoint interval for restart
dumps », Future Generation Computer Systems, 2006 ; fichiers de plateforme d'Usine (MTBF, débits
du stockage, hypothèses comprises).
]],
    en = [[
# Reliability at scale: failures and checkpoints

One GPU seldom fails. Sixteen thousand GPUs, often.

## Failure rates add up

A component's **MTBF** (mean time between failures) is the average time between two of its
failures; its **failure rate** is `1 / MTBF`. A synchronous training job stops as soon as **one**
of its components fails: the rates add up.

```
1 / MTBF_job = GPUs / MTBF_GPU + nodes / MTBF_node
```

Usine's platform files give 86,300 h per GPU (`accelerator.mtbf_h`) and 15,300 h per node for
everything else: CPUs, memory, NICs, power, plus a share of the switches, cables and software
(`node.mtbf_h`). Both figures come from a single source: Meta, "The Llama 3 Herd of Models" (2024,
section 3.3.4 and Table 5), which counts **419 unexpected interruptions in 54 days** of Llama 3
405B pre-training on **16,384 H100s** (2,048 servers of 8), 58.7 % of them due to GPUs. They are
interruption rates measured on one cluster, not vendor figures, and they are carried over
unchanged to the other machines.

Check: 16,384 / 86,300 + 2,048 / 15,300 = 0.190 + 0.134 = 0.324 failures per hour, one every
**3.1 h**, and 54 × 24 / 3.1 ≈ 419. With 4-GPU nodes (Jean Zay H100, Alice Recoque, JUPITER,
Frontier), the same 16,384 GPUs take 4,096 nodes: 0.190 + 0.268 = 0.458, one failure every 2.2 h.
A job's number of nodes is `ceil(GPUs / GPUs per node)`.

## Checkpoints

So as not to lose everything, the job regularly writes its state to the parallel file system: in
bf16 with Adam, 2 bytes of weights and 12 bytes of optimizer state (fp32 master weights, fp32
moments m and v) per parameter, that is **14 bytes per parameter**: 5.7 TB for Llama 3 405B.
Writing takes `δ = bytes / write bandwidth`; after a failure, reading back takes
`R = bytes / read bandwidth`, and the work done since the last checkpoint must be redone: half an
interval on average.

## The Young and Daly interval

Writing too often wastes time writing; too seldom, redoing. To first order, the fraction lost is
`δ / τ + τ / (2M)` (τ: work between two checkpoints, M: the job's MTBF), plus the restart, `R / M`.
It is smallest at **Young**'s interval (1974):

```
τ ≈ √(2 × δ × M)
```

where it is about `√(2δ / M)`. **Daly** (2006) refines it to second order:
`τ = √(2δM) × (1 + √(δ / 2M) / 3 + (δ / 2M) / 9) − δ` while `δ < 2M`, and `τ = M` beyond, when
writing is too slow.

Usine (`sim/train.c`) keeps only the first two terms of that expansion, `√(2δM) − δ`, and switches
to `τ = M` much earlier than Daly: from `δ ≥ M / 2`, where those two terms only give `τ = M / 2`
(at `δ = 2M` they would give 0). That `M / 2` cut-off is Usine's rule, not Daly's:

```
τ = √(2δM) − δ        if δ < M / 2, else τ = M
```

The loss has two parts: each cycle (work, then writing) spends `δ` writing, and each failure, one
every `M` on average, makes the work since the last checkpoint be redone (half an interval on
average) and the checkpoint be read back (`R`). The goodput is what is left; only that useful time
moves the training forward. It is a first-order approximation: it ignores failures while writing
or restarting, and the time to restart the job itself (replacing nodes, starting NCCL again),
often several minutes in practice.

Example: Llama 3 405B on 8,192 MI430X of Alice Recoque (2,048 nodes): M = 4.37 h = 15,740 s; the
assumed storage writes 2 TB/s, so δ = 2.84 s; τ = √(2 × 2.84 × 15,740) − 2.84 ≈ 296 s, a
checkpoint every 5 minutes; about 1.9 % is lost.

`usine.predict{..., tokens = D}` gives all of it: `job_mtbf_s`, `checkpoint_bytes`,
`checkpoint_write_s` (δ), `checkpoint_interval_s` (τ), `goodput`, `interruptions`,
`time_to_train_s` (without failures) and `wall_time_s` (with them). The checks use it; your
submission has only `p:partition(id)` of `usine` (`usine.predict` would give the answers there):
try `usine predict ... --tokens D` in a terminal.

## Your task

1. `job_mtbf_h(p, id, gpus)`: the MTBF in hours of a job on the first `gpus` GPUs of partition
   `id` of platform `p` (`p:partition(id).accelerator.mtbf_h`, `.node.mtbf_h`, `.gpus_per_node`);
2. `checkpoint_bytes(params)`: the size of a checkpoint in bytes (bf16 and Adam);
3. `interval_s(delta_s, mtbf_s)`: the interval between checkpoints, as Usine computes it;
4. `lost_fraction(delta_s, restart_s, mtbf_s)`: the fraction of time lost (1 − goodput), with the
   interval from `interval_s`;
5. `wall_time_s(train_s, delta_s, restart_s, mtbf_s)`: the wall time of a run that would take
   `train_s` without failures;
6. `max_gpus(p, id, delta_s, restart_s, goodput)`: the question the other way round: the largest
   number of GPUs of partition `id` on which a job keeps at least that `goodput` (between 0 and 1),
   writing and reading back a checkpoint taking `delta_s` and `restart_s`; 0 if not even one GPU
   does.

The API does not give the storage's read bandwidth: the checks pass you `restart_s`. They compare
your functions with `usine.predict` on Jean Zay (H100, A100), Eos, Alice Recoque, JUPITER and
Frontier, from 100 to 16,384 GPUs.

Sources: Meta, "The Llama 3 Herd of Models", 2024 (section 3.3.4, Table 5); J. W. Young, "A first
order approximation to the optimum checkpoint interval", Communications of the ACM, 1974;
J. T. Daly, "A higher order estimate of the optimum checkpoint interval for restart dumps", Future
Generation Computer Systems, 2006; Usine's platform files (MTBFs, storage bandwidths, assumptions
included).
]],
  },
  concepts = {
    fr = { "MTBF", "taux de panne", "point de reprise", "intervalle de Young et Daly", "goodput" },
    en = { "MTBF", "failure rate", "checkpoint", "Young/Daly interval", "goodput" },
  },
  difficulty = 3,
  minutes = 40,
  platform = "alice-recoque",
  scenario = { partition = "gpu" },
  -- What a submission may use of usine. The partition's MTBFs; not usine.predict, whose job_mtbf_s, checkpoint_bytes,
  -- checkpoint_interval_s, goodput and wall_time_s are the answers.
  allow = { "platform:partition" },
  limits = { seconds = 10 },
  starter = [[
-- Exercice 12 : fiabilité à grande échelle / Exercise 12: reliability at scale

-- MTBF d'une tâche en heures / a job's MTBF in hours
function job_mtbf_h(p, id, gpus)
  local part = p:partition(id)
  return part.accelerator.mtbf_h
end

-- Taille d'un point de reprise en octets / checkpoint size in bytes
function checkpoint_bytes(params)
  return 2 * params
end

-- Intervalle entre points de reprise en s / interval between checkpoints in s
function interval_s(delta_s, mtbf_s)
  return 0
end

-- Part du temps perdue / fraction of time lost
function lost_fraction(delta_s, restart_s, mtbf_s)
  return 0
end

-- Temps réel avec pannes en s / wall time with failures in s
function wall_time_s(train_s, delta_s, restart_s, mtbf_s)
  return nil
end

-- Le plus grand nombre de GPU qui garde ce goodput / the most GPUs that keep that goodput
function max_gpus(p, id, delta_s, restart_s, goodput)
  return nil
end
]],
  checks = {
    {
      id = "mtbf",
      title = { fr = "MTBF d'une tâche, de 100 à 16 384 GPU", en = "MTBF of a job, from 100 to 16,384 GPUs" },
      points = 3,
      hint = { fr = "Additionnez les taux de panne (1 / MTBF) de chaque GPU et de chaque nœud de la tâche, puis reprenez l'inverse. Une tâche sur 6 GPU, avec des nœuds de 4 GPU, occupe 2 nœuds.",
               en = "Add the failure rates (1 / MTBF) of every GPU and every node of the job, then take the inverse again. A job on 6 GPUs, with 4-GPU nodes, holds 2 nodes." },
      run = function(s, ctx)
        local list = {}
        for _, e in ipairs(predictions()) do
          list[#list + 1] = { c = e.c, want = e.r.job_mtbf_s / 3600, name = { fr = label(e.c, "fr"), en = label(e.c, "en") } }
        end
        for _ = 1, 10 do   -- job sizes drawn from the grading seed on the same machines
          local c = copy(run_cases[math.random(1, #run_cases)])
          local part = usine.platform(c.platform):partition(c.partition)
          c.gpus = math.random(1, part.gpus)
          list[#list + 1] = { c = c, want = ref.job_mtbf_h(part, c.gpus), name = {
            fr = ("%s/%s, %d GPU"):format(c.platform, c.partition, c.gpus), en = ("%s/%s, %d GPUs"):format(c.platform, c.partition, c.gpus) } }
        end
        return usine.cases(ctx, list, function(k)
          return s.job_mtbf_h(usine.platform(k.c.platform), k.c.partition, k.c.gpus), k.want
        end, { unit = "h", slip = function(k, got)
          local part = usine.platform(k.c.platform):partition(k.c.partition)
          local gpu_only = part.accelerator.mtbf_h > 0 and part.accelerator.mtbf_h / k.c.gpus
          if type(got) == "number" and gpu_only and usine.near(got, gpu_only, 0.01) then
            return { fr = "les nœuds tombent aussi en panne : leurs taux s'ajoutent à ceux des GPU",
                     en = "nodes fail too: their rates add to the GPUs'" }
          end
        end })
      end,
    },
    {
      id = "checkpoint",
      title = { fr = "Taille d'un point de reprise", en = "Size of a checkpoint" },
      points = 2,
      hint = { fr = "Les poids en bf16, plus l'état de l'optimiseur en fp32 : une copie des poids et deux moments.",
               en = "The weights in bf16, plus the optimizer state in fp32: a copy of the weights and two moments." },
      run = function(s, ctx)
        local list, seen = {}, {}
        for _, e in ipairs(predictions()) do
          if not seen[e.c.model] then
            seen[e.c.model] = true
            list[#list + 1] = { e = e, name = { fr = ("%s (%s paramètres)"):format(e.c.model, fmt(e.r.params, "fr")),
                                                en = ("%s (%s parameters)"):format(e.c.model, fmt(e.r.params)) } }
          end
        end
        for i = 1, #list do
          local n = math.random(1, 9000) * 1e8
          list[#list + 1] = { params = n, want = ref.checkpoint_bytes(n), name = { fr = ("%s paramètres"):format(fmt(n, "fr")), en = ("%s parameters"):format(fmt(n)) } }
        end
        for _, c in ipairs(list) do
          if c.e then c.params, c.want = c.e.r.params, c.e.r.checkpoint_bytes end
        end
        return usine.cases(ctx, list, function(c) return s.checkpoint_bytes(c.params), c.want end, {
          unit = { fr = "octets", en = "bytes" },
          slip = function(c, got)
            if type(got) == "number" and usine.near(got, c.params * 2, 0.01) then
              return { fr = "les poids seuls : l'état de l'optimiseur (copie fp32 et deux moments) est sauvé aussi",
                       en = "the weights alone: the optimizer state (fp32 copy and two moments) is saved too" }
            end
          end })
      end,
    },
    {
      id = "interval",
      title = { fr = "Intervalle de Young et Daly, comme Usine", en = "Young/Daly interval, as Usine computes it" },
      points = 2,
      hint = { fr = "Young donne √(2δM) ; Usine retire le temps d'écriture, et quand l'écriture prend plus de la moitié du MTBF, il écrit une fois par MTBF.",
               en = "Young gives √(2δM); Usine takes the writing time off, and when writing takes more than half the MTBF, it writes once per MTBF." },
      run = function(s, ctx)
        local list = {}
        for _, e in ipairs(predictions()) do
          local d, M = e.r.checkpoint_write_s, e.r.job_mtbf_s
          list[#list + 1] = { d = d, M = M, want = e.r.checkpoint_interval_s,
                              name = { fr = ("%s (δ = %s s, M = %s s)"):format(label(e.c, "fr"), fmt(d, "fr"), fmt(M, "fr")),
                                       en = ("%s (δ = %s s, M = %s s)"):format(label(e.c, "en"), fmt(d), fmt(M)) } }
        end
        for _, c in ipairs(interval_cases) do
          list[#list + 1] = { d = c[1], M = c[2], want = ref.interval(c[1], c[2]),
                              name = { fr = ("δ = %s s, M = %s s"):format(fmt(c[1], "fr"), fmt(c[2], "fr")),
                                       en = ("δ = %s s, M = %s s"):format(fmt(c[1]), fmt(c[2])) } }
        end
        return usine.cases(ctx, list, function(c)
          local alts = { { value = ref.young(c.d, c.M), credit = 0.5,
                           fr = "c'est l'intervalle de Young, √(2δM) : Usine en retire δ, et passe à M dès δ ≥ M / 2",
                           en = "that is Young's interval, √(2δM): Usine takes δ off it, and uses M once δ ≥ M / 2" } }
          return s.interval_s(c.d, c.M), c.want, alts
        end, { unit = "s" })
      end,
    },
    {
      id = "lost",
      title = { fr = "Part du temps perdue (1 − goodput)", en = "Fraction of time lost (1 − goodput)" },
      points = 2,
      hint = { fr = "Deux pertes : la part de chaque cycle (travail + écriture) passée à écrire, et, à chaque panne, le travail à refaire (en moyenne un demi-intervalle) plus la relecture.",
               en = "Two losses: the part of each cycle (work + writing) spent writing, and, at each failure, the work to redo (half an interval on average) plus the reading back." },
      run = function(s, ctx)
        local list = {}
        for _, e in ipairs(predictions()) do
          local r = e.r
          list[#list + 1] = { e = e, name = {
            fr = ("%s (δ = %s s, R = %s s, M = %s s)"):format(label(e.c, "fr"), fmt(r.checkpoint_write_s, "fr"), fmt(e.restart, "fr"), fmt(r.job_mtbf_s, "fr")),
            en = ("%s (δ = %s s, R = %s s, M = %s s)"):format(label(e.c, "en"), fmt(r.checkpoint_write_s), fmt(e.restart), fmt(r.job_mtbf_s)) } }
        end
        for _, l in ipairs(lossy_cases) do
          list[#list + 1] = { l = l, name = { fr = lossy_name(l, "fr"), en = lossy_name(l, "en") } }
        end
        return usine.cases(ctx, list, function(c)
          if c.l then return s.lost_fraction(c.l[2], c.l[3], c.l[4]), ref.lost(c.l[2], c.l[3], c.l[4]) end
          local r = c.e.r
          return s.lost_fraction(r.checkpoint_write_s, c.e.restart, r.job_mtbf_s), 1 - r.goodput
        end, { abs = 1e-9, slip = function(c, got)
          if c.l then return nil end
          local r = c.e.r
          local tau = r.checkpoint_interval_s
          if type(got) == "number" and usine.near(got, r.checkpoint_write_s / (tau + r.checkpoint_write_s) + tau / 2 / r.job_mtbf_s, 0.01) then
            return { fr = "il manque la relecture R à chaque panne", en = "the reading back R at each failure is missing" }
          end
        end })
      end,
    },
    {
      id = "wall",
      title = { fr = "Temps réel d'un entraînement, pannes comprises", en = "Wall time of a run, failures included" },
      points = 1,
      hint = { fr = "Seule la part utile du temps fait avancer l'entraînement.",
               en = "Only the useful part of the time moves the training forward." },
      run = function(s, ctx)
        local list = {}
        for _, e in ipairs(predictions()) do
          list[#list + 1] = { e = e, name = { fr = ("%s (%s jours)"):format(label(e.c, "fr"), fmt(e.r.wall_time_s / 86400, "fr")),
                                              en = ("%s (%s days)"):format(label(e.c, "en"), fmt(e.r.wall_time_s / 86400)) } }
        end
        for _, l in ipairs(lossy_cases) do
          list[#list + 1] = { l = l, name = { fr = lossy_name(l, "fr", true), en = lossy_name(l, "en", true) } }
        end
        return usine.cases(ctx, list, function(c)
          if c.l then return s.wall_time_s(c.l[1], c.l[2], c.l[3], c.l[4]), ref.wall(c.l[1], c.l[2], c.l[3], c.l[4]) end
          local r = c.e.r
          return s.wall_time_s(r.time_to_train_s, r.checkpoint_write_s, c.e.restart, r.job_mtbf_s), r.wall_time_s
        end, { unit = "s", slip = function(c, got)
          if c.l then
            local lost = ref.lost(c.l[2], c.l[3], c.l[4])
            if type(got) == "number" and usine.near(got, c.l[1] * (1 + lost), 0.01) then
              return { fr = "T × (1 + perte) sous-estime : le temps utile est la part 1 − perte du total, T / (1 − perte)",
                       en = "T × (1 + loss) falls short: useful time is the share 1 − loss of the total, T / (1 − loss)" }
            end
            return nil
          end
          local r = c.e.r
          if type(got) == "number" and usine.near(got, r.time_to_train_s * (1 + (1 - r.goodput)), 1e-3) then
            return { fr = "T × (1 + perte) sous-estime : le temps utile est la part 1 − perte du total, T / (1 − perte)",
                     en = "T × (1 + loss) falls short: useful time is the share 1 − loss of the total, T / (1 − loss)" }
          end
        end })
      end,
    },
    {
      id = "max-gpus",
      title = { fr = "La plus grande tâche qui garde son goodput", en = "The largest job that keeps its goodput" },
      points = 2,
      hint = { fr = "Plus de GPU, c'est un MTBF plus court, donc plus de temps perdu : cherchez le dernier nombre de GPU qui tient la cible, avec vos fonctions.",
               en = "More GPUs means a shorter MTBF, hence more time lost: look for the last number of GPUs that holds the target, with your functions." },
      run = function(s, ctx)
        local list, wholes = {}, 0
        for _ = 1, 60 do
          if #list >= 14 then break end
          local c = run_cases[math.random(1, #run_cases)]
          local p = usine.platform(c.platform)
          local part = p:partition(c.partition)
          local d, r, g = math.random(1, 120), math.random(10, 600), 1 - math.random(1, 60) / 1000
          local want, margin = ref.max_gpus(part, d, r, g)
          local whole = want == part.gpus
          -- a goodput at the target itself could go either way; and two cases where the whole
          -- partition holds the target are enough
          if margin > 1e-6 and not (whole and wholes >= 2) then
            if whole then wholes = wholes + 1 end
            list[#list + 1] = { p = p, id = c.partition, d = d, r = r, g = g, want = want, name = {
              fr = ("%s/%s, δ = %d s, R = %d s, goodput %s"):format(c.platform, c.partition, d, r, fmt(g, "fr")),
              en = ("%s/%s, δ = %d s, R = %d s, goodput %s"):format(c.platform, c.partition, d, r, fmt(g)) } }
          end
        end
        return usine.cases(ctx, list, function(k) return s.max_gpus(k.p, k.id, k.d, k.r, k.g), k.want end, { exact = true, unit = "GPU" })
      end,
    },
  },
}
