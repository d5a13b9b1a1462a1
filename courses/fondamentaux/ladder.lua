-- Exercise 3: the matrix-multiplication ladder.
-- Concepts: GFLOP/s, speed-up, fraction of peak, memory access order, cache blocking, threads,
-- vector instructions, tuned libraries.
-- Difficulty 2, 40 minutes. Platform: the classroom (this exercise is about the computer it runs on).
-- At grading time the first check that needs them times the six rungs of usine.kernels (n = 256,
-- at most 8 threads, 0.05 s per rung: about half a second), once per submission, and passes the
-- measured times to the student's functions; the expected values are computed from the same times,
-- so the grade never depends on the machine's speed. Where the kernels cannot run (outside the
-- grading process), a fixed, synthetic ladder stands in and the messages say so. Besides the
-- measured ladder, every check tries synthetic cases (other sizes, other machines) so that an
-- answer typed in cannot pass.

local N = 256            -- matrix size at grading time: quick, and small enough for the naive rung
local MAX_THREADS = 8    -- keeps grading quick and within the CPU-time limit on big machines
local RUNGS = { "naive", "reorder", "blocked", "blocked_omp", "simd_omp", "sgemm" }

-- What each rung changes, relative to the rung before (kernels/gemm.c).
local REASON = { reorder = "stride", blocked = "cache", blocked_omp = "threads", simd_omp = "simd", sgemm = "tuning" }
local measure = usine.reference("here")

local ref = usine.reference("ladder")
local flops, gflops = ref.flops, ref.gflops

-- Vector lanes in single precision of the micro-kernel's widest clone; rungs 1-4 are built for the
-- baseline (SSE2 or NEON: 4 lanes).
local function lanes_of(isa)
  if isa == "avx512" then return 16 end
  if isa == "avx2+fma" then return 8 end
  return 4
end

-- A ladder from GFLOP/s figures (synthetic cases).
local function synthetic(name, n, threads, lanes, peak, rates)
  local seconds = {}
  for i, r in ipairs(RUNGS) do seconds[r] = flops(n) / (rates[i] * 1e9) end
  return { name = name, n = n, threads = threads, lanes = lanes, peak_gflops = peak, seconds = seconds }
end

-- Synthetic ladders: made-up machines, each with a different rung gaining most.
local SYNTHETIC = {
  synthetic("A", 256, 1, 8, 150, { 1.2, 9.0, 10.5, 10.4, 30, 60 }),             -- one core, AVX2
  synthetic("B", 2048, 64, 16, 8000, { 0.3, 2.0, 8, 400, 1500, 3000 }),         -- 64 cores, large n
  synthetic("C", 256, 8, 16, 1200, { 2, 14, 14.2, 100, 900, 1100 }),            -- 8 cores, AVX-512
  synthetic("D", 512, 2, 4, 60, { 2.5, 5, 20, 30, 45, 60 }),                    -- small VM, no AVX
}
-- Eight more drawn from the grading seed (E to L), so that an exam's ladders are mostly its own:
-- each rung 0.8 to 12 times faster than the one before.
for k = 1, 8 do
  local rates, r = {}, math.random(5, 40) / 10
  for i = 1, #RUNGS do
    rates[i] = r
    r = r * (0.8 + math.random() * 11.2)
  end
  local threads = math.random(1, 128)
  SYNTHETIC[#SYNTHETIC + 1] = synthetic(string.char(string.byte("E") + k - 1), ({ 256, 512, 1024, 2048 })[math.random(1, 4)], threads,
                                        ({ 4, 8, 16 })[math.random(1, 3)], rates[#rates] * (1.1 + math.random()), rates)
end
-- Stands in for the measurement where the kernels cannot run: a 4-core AVX2 laptop.
local STAND_IN = synthetic("stand-in", N, 4, 8, 512, { 2, 12, 13, 45, 180, 300 })

-- This computer's ladder, measured once per submission (the kernels only run inside checks).
local here
local function measured()
  if here then return here end
  local ok, cpu = pcall(usine.kernels.cpu)
  if ok and type(cpu) == "table" and (cpu.cores or 0) >= 1 and usine.finite(cpu.peak_gflops) and cpu.peak_gflops > 0 then
    local threads = math.min(cpu.cores, MAX_THREADS)
    local seconds, good, share, busy = {}, true, 1, false
    for _, r in ipairs(RUNGS) do
      local ok2, g = pcall(usine.kernels.gemm, r, N, threads)
      if ok2 and type(g) == "table" and usine.finite(g.seconds) and g.seconds > 0 then
        seconds[r] = g.seconds
        if usine.finite(g.cpu_share) then share = math.min(share, g.cpu_share) end
        busy = busy or g.busy
      else good = false break end
    end
    if good then
      here = { name = cpu.model, n = N, threads = threads, lanes = lanes_of(cpu.isa), isa = cpu.isa,
               peak_gflops = cpu.peak_gflops * threads / cpu.cores, seconds = seconds, measured = true,
               cpu_share = share, busy = busy, ghz = cpu.ghz, clock_measured = cpu.clock_measured }
      return here
    end
  end
  here = STAND_IN
  return here
end

local function fmt(x, lang) return usine.num(x, { lang = lang, sig = 6, trim = true }) end
local function f3(x, lang) return usine.num(x, { lang = lang, sig = 3, trim = true }) end

-- One line that says what was measured, in both languages.
local function about(L)
  local parts, parts_fr = {}, {}
  for _, r in ipairs(RUNGS) do
    parts[#parts + 1] = ("%s %s"):format(r, f3(gflops(L.n, L.seconds[r])))
    parts_fr[#parts_fr + 1] = ("%s %s"):format(r, f3(gflops(L.n, L.seconds[r]), "fr"))
  end
  local rates, rates_fr = table.concat(parts, ", "), table.concat(parts_fr, " ; ")
  if L.measured then
    local busy_fr, busy_en = "", ""
    if L.busy then
      -- other programs held the processors: the figures (and a measured clock) are below this computer's
      local w = measure.busy_words(L.cpu_share, L.clock_measured
        and { fr = ("les débits et l'horloge mesurée (%s GHz)"):format(f3(L.ghz, "fr")), en = ("the rates and the measured clock (%s GHz)"):format(f3(L.ghz)) }
        or nil)
      busy_fr, busy_en = w.fr, w.en
    end
    return ("Cet ordinateur (%s), n = %d, %d fil(s), crête de ces fils %s GFLOP/s ; GFLOP/s mesurés : %s%s"):format(
             L.name, L.n, L.threads, f3(L.peak_gflops, "fr"), rates_fr, busy_fr),
           ("This computer (%s), n = %d, %d thread(s), peak of those threads %s GFLOP/s; measured GFLOP/s: %s%s"):format(
             L.name, L.n, L.threads, f3(L.peak_gflops), rates, busy_en)
  end
  if L == STAND_IN then
    return ("Échelle de remplacement (les noyaux ne peuvent pas tourner ici), n = %d, %d fil(s) ; GFLOP/s : %s"):format(L.n, L.threads, rates_fr),
           ("Stand-in ladder (the kernels cannot run here), n = %d, %d thread(s); GFLOP/s: %s"):format(L.n, L.threads, rates)
  end
  return ("Échelle inventée %s, n = %d, %d fil(s), vecteurs de %d nombres ; GFLOP/s : %s"):format(L.name, L.n, L.threads, L.lanes, rates_fr),
         ("Made-up ladder %s, n = %d, %d thread(s), %d-number vectors; GFLOP/s: %s"):format(L.name, L.n, L.threads, L.lanes, rates)
end

local function all_ladders()
  local list = { measured() }
  for _, L in ipairs(SYNTHETIC) do list[#list + 1] = L end
  return list
end

-- The rung with the largest speed-up over the rung before it; `close` lists the rungs whose step is
-- within 1e-9 of the best (a tie may fairly go either way).
local function largest_step(L)
  local best, best_r = -1, nil
  for i = 2, #RUNGS do
    local s = L.seconds[RUNGS[i - 1]] / L.seconds[RUNGS[i]]
    if s > best then best, best_r = s, RUNGS[i] end
  end
  local close = {}
  for i = 2, #RUNGS do
    local s = L.seconds[RUNGS[i - 1]] / L.seconds[RUNGS[i]]
    if s >= best * (1 - 1e-9) then close[RUNGS[i]] = true end
  end
  return best_r, best, close
end

-- Which ladder a case belongs to, for its name.
local function whose(L, lang)
  if L.measured then return lang == "fr" and "cet ordinateur" or "this computer" end
  if L == STAND_IN then return lang == "fr" and "échelle de remplacement" or "stand-in ladder" end
  return (lang == "fr" and "échelle %s" or "ladder %s"):format(L.name)
end

-- usine.cases, with the measured ladder's figures before the message when it is the one wrong.
local function graded(ctx, list, try, opts)
  local share, said = usine.cases(ctx, list, try, opts)
  if share == true then return true end
  local fr, en = about(measured())
  return share, { fr = fr .. ". " .. said.fr, en = en .. ". " .. said.en, exam = { fr = fr .. ". " .. said.exam.fr, en = en .. ". " .. said.exam.en } }
end

return {
  id = "ladder",
  title = { fr = "L'échelle de la multiplication de matrices", en = "The matrix-multiplication ladder" },
  text = {
    fr = [[
# L'échelle de la multiplication de matrices

Multiplier deux matrices `n × n`, `C = A·B`, demande `2n³` FLOP : `n³` multiplications et autant
d'additions. Le même calcul, écrit de six façons, va d'un programme de débutant à une
bibliothèque optimisée ; sur le même processeur, l'écart dépasse souvent un facteur 100. Chaque
barreau de l'échelle d'Usine (`kernels/gemm.c`) change **une seule chose** :

1. `naive` : la triple boucle `i, j, k` des manuels ; la boucle interne descend une colonne de `B`,
   un élément par ligne de cache ;
2. `reorder` : l'ordre `i, k, j`, la même arithmétique ; chaque boucle interne lit la mémoire
   d'affilée (et le compilateur peut la vectoriser en SSE2, 4 nombres à la fois) ;
3. `blocked` : le calcul découpé en tuiles qui restent dans le cache pendant qu'on les réutilise ;
4. `blocked_omp` : les mêmes tuiles, partagées entre les fils OpenMP, donc entre les cœurs ;
5. `simd_omp` : des panneaux recopiés de façon contiguë et un micro-noyau qui garde un bloc de `C`
   dans les registres vectoriels, compilé pour les instructions les plus larges du processeur
   (AVX2 : 8 nombres fp32, AVX-512 : 16) ;
6. `sgemm` : OpenBLAS, des noyaux écrits en assembleur pour chaque processeur.

Les ressources que ces barreaux mettent à profit, avec leur clé :

- `"stride"` : l'ordre des accès à la mémoire (lire des éléments voisins, pas espacés de `n`) ;
- `"cache"` : la réutilisation des données déjà dans le cache ;
- `"threads"` : plusieurs cœurs ;
- `"simd"` : des instructions vectorielles plus larges et des registres bien employés ;
- `"tuning"` : un réglage fin, à la main, pour un processeur précis.

## Prédire, puis mesurer

```
GFLOP/s           = 2n³ / secondes / 10⁹
accélération      = t_référence / t
part de la crête  = GFLOP/s / crête
```

La **crête** d'un processeur est `cœurs × fréquence × FLOP par cycle` ; avec AVX2 et deux unités
FMA, un cœur fait 8 nombres × 2 (FMA) × 2 unités = 32 FLOP par cycle. Un portable à 4 cœurs à
4 GHz : `4 × 4 × 32 = 512` GFLOP/s. Exemple : avec `n = 256`, `2n³ ≈ 33,6` millions de FLOP ; à
2 GFLOP/s, `naive` met 16,8 ms ; à 300 GFLOP/s, `sgemm` met 0,11 ms : 150 fois plus vite, 59 % de
la crête.

Avant de mesurer, prédisez. Avec `p` fils, `blocked_omp` devrait aller au mieux `p` fois plus vite
que `blocked`. Les barreaux 1 à 4 sont compilés pour SSE2 (4 nombres par instruction) : le
micro-noyau de `simd_omp` devrait gagner au mieux `largeur / 4` sur `blocked_omp` (×2 en AVX2,
×4 en AVX-512). La mesure tombe sous ces prédictions, ou parfois au-dessus : les fils partagent la
bande passante et se synchronisent, et le micro-noyau gagne aussi en gardant `C` dans les registres.

Pourquoi même `sgemm` n'atteint-il pas la crête ? Avec `n = 256`, il y a trop peu de travail pour
amortir le démarrage des fils et les copies en panneaux ; la fréquence baisse quand tous les cœurs
calculent ; et la crête elle-même est une estimation (le nombre d'unités FMA est supposé). Si
`sgemm` la dépasse, c'est l'estimation qui est trop basse. Avec `n = 256`, les trois matrices
(768 Kio) tiennent dans le cache : `blocked` y gagne peu sur `reorder`, et peut même y perdre
(ses tuiles ajoutent des boucles). Essayez `usine bench ladder --n 2048` pour voir le contraire.

## À faire

Pendant la correction, l'exercice mesure les six barreaux sur **cet ordinateur** (`n = 256`, au
plus 8 fils) et donne les temps à vos fonctions, avec d'autres échelles inventées. Écrivez :

1. `gflops(n, seconds)` : le débit d'une multiplication `n × n` faite en `seconds` secondes ;
2. `speedup(t_ref, t)` : l'accélération d'un temps `t` sur un temps de référence `t_ref` ;
3. `fraction_of_peak(gflops, peak_gflops)` : la part de la crête atteinte (entre 0 et 1, parfois
   plus) ; la crête donnée est celle des cœurs utilisés ;
4. `predicted_speedup(rung, threads, lanes)` : l'accélération idéale de `"blocked_omp"` sur
   `"blocked"` avec `threads` fils, et de `"simd_omp"` sur `"blocked_omp"` avec des vecteurs de
   `lanes` nombres fp32 (les autres barreaux ne sont pas demandés) ;
5. `largest_step(rungs, seconds)` : `rungs` est la liste des noms dans l'ordre de l'échelle,
   `seconds` une table nom → temps ; renvoyez le nom du barreau qui accélère le plus par rapport
   au barreau précédent ;
6. `reason(rung)` : la clé de la ressource que ce barreau met à profit par rapport au précédent
   (pour les barreaux `"reorder"` à `"sgemm"`) ;
7. `largest_n(gflops, seconds)` : la plus grande taille `n` qu'un barreau mesuré à `gflops`
   GFLOP/s multiplie en `seconds` secondes au plus (un entier).

Sources : `kernels/gemm.c` et `kernels/kn.h` d'Usine ; K. Goto, R. van de Geijn, « Anatomy of
high-performance matrix multiplication », ACM TOMS 34(3), 2008 ; OpenBLAS ; manuels
d'optimisation d'Intel et d'AMD (FLOP par cycle).
]],
    en = [[
# The matrix-multiplication ladder

Multiplying two `n × n` matrices, `C = A·B`, takes `2n³` FLOPs: `n³` multiplications and as many
additions. The same computation, written six ways, goes from a beginner's program to a tuned
library; on the same processor, the gap often exceeds a factor of 100. Each rung of Usine's ladder
(`kernels/gemm.c`) changes **one thing**:

1. `naive`: the textbook triple loop `i, j, k`; the inner loop walks down a column of `B`, one
   element per cache line;
2. `reorder`: the order `i, k, j`, the same arithmetic; every inner loop reads memory
   contiguously (and the compiler can vectorise it with SSE2, 4 numbers at a time);
3. `blocked`: the work cut into tiles that stay in cache while they are reused;
4. `blocked_omp`: the same tiles, shared among OpenMP threads, hence among cores;
5. `simd_omp`: panels copied contiguously and a micro-kernel that keeps a block of `C` in vector
   registers, compiled for the processor's widest instructions (AVX2: 8 fp32 numbers, AVX-512: 16);
6. `sgemm`: OpenBLAS, kernels written in assembly for each processor.

The resources these rungs put to use, with their keys:

- `"stride"`: the order of memory accesses (reading neighbouring elements, not ones `n` apart);
- `"cache"`: reusing data already in cache;
- `"threads"`: several cores;
- `"simd"`: wider vector instructions and registers used well;
- `"tuning"`: fine tuning, by hand, for one processor.

## Predict, then measure

```
GFLOP/s           = 2n³ / seconds / 10⁹
speed-up          = t_reference / t
fraction of peak  = GFLOP/s / peak
```

A processor's **peak** is `cores × clock × FLOPs per cycle`; with AVX2 and two FMA units, a core
does 8 numbers × 2 (FMA) × 2 units = 32 FLOPs per cycle. A 4-core laptop at 4 GHz:
`4 × 4 × 32 = 512` GFLOP/s. Example: with `n = 256`, `2n³ ≈ 33.6` million FLOPs; at 2 GFLOP/s,
`naive` takes 16.8 ms; at 300 GFLOP/s, `sgemm` takes 0.11 ms: 150 times faster, 59 % of the peak.

Before measuring, predict. With `p` threads, `blocked_omp` should at best run `p` times faster than
`blocked`. Rungs 1 to 4 are compiled for SSE2 (4 numbers per instruction): the micro-kernel of
`simd_omp` should at best gain `width / 4` over `blocked_omp` (×2 with AVX2, ×4 with AVX-512). The
measurement falls below these predictions, or sometimes above: threads share the bandwidth and
synchronise, and the micro-kernel also gains by keeping `C` in registers.

Why does even `sgemm` miss the peak? With `n = 256` there is too little work to pay for starting
the threads and packing the panels; the clock drops when every core computes; and the peak itself
is an estimate (the number of FMA units is assumed). If `sgemm` beats it, the estimate is too low.
With `n = 256`, the three matrices (768 KiB) fit in cache: `blocked` gains little over `reorder`
there, and may even lose (its tiles add loops). Try `usine bench ladder --n 2048` to see the opposite.

## Your task

During grading, the exercise measures the six rungs on **this computer** (`n = 256`, at most 8
threads) and gives the times to your functions, along with made-up ladders. Write:

1. `gflops(n, seconds)`: the rate of an `n × n` multiplication done in `seconds` seconds;
2. `speedup(t_ref, t)`: the speed-up of a time `t` over a reference time `t_ref`;
3. `fraction_of_peak(gflops, peak_gflops)`: the fraction of the peak reached (between 0 and 1,
   sometimes more); the peak given is that of the cores used;
4. `predicted_speedup(rung, threads, lanes)`: the ideal speed-up of `"blocked_omp"` over
   `"blocked"` with `threads` threads, and of `"simd_omp"` over `"blocked_omp"` with vectors of
   `lanes` fp32 numbers (the other rungs are not asked for);
5. `largest_step(rungs, seconds)`: `rungs` is the list of names in ladder order, `seconds` a table
   name → time; return the name of the rung with the largest speed-up over the rung before it;
6. `reason(rung)`: the key of the resource this rung puts to use compared with the one before
   (for the rungs `"reorder"` to `"sgemm"`);
7. `largest_n(gflops, seconds)`: the largest size `n` that a rung measured at `gflops` GFLOP/s
   multiplies within `seconds` seconds (a whole number).

Sources: Usine's `kernels/gemm.c` and `kernels/kn.h`; K. Goto, R. van de Geijn, "Anatomy of
high-performance matrix multiplication", ACM TOMS 34(3), 2008; OpenBLAS; Intel and AMD
optimisation manuals (FLOPs per cycle).
]],
  },
  concepts = {
    fr = { "GFLOP/s", "accélération", "part de la crête", "cache", "fils OpenMP", "instructions vectorielles" },
    en = { "GFLOP/s", "speed-up", "fraction of peak", "cache", "OpenMP threads", "vector instructions" },
  },
  difficulty = 2,
  minutes = 40,
  platform = "classroom",
  scenario = { partition = "gpu" },
  -- What a submission may use of usine. Nothing of usine: the measured times come as arguments.
  allow = {},
  -- The measurement runs up to 8 threads for 0.05 s per rung: room for CPU time on busy machines.
  limits = { seconds = 10 },
  starter = [[
-- Exercice 3 : l'échelle de la multiplication de matrices / Exercise 3: the matrix-multiplication ladder
-- Barreaux / rungs : "naive", "reorder", "blocked", "blocked_omp", "simd_omp", "sgemm"

function gflops(n, seconds)
  return 0
end

function speedup(t_ref, t)
  return nil
end

function fraction_of_peak(gflops, peak_gflops)
  return 0
end

-- "blocked_omp" : threads ; "simd_omp" : lanes
function predicted_speedup(rung, threads, lanes)
  return nil
end

-- rungs = { "naive", ... }, seconds = { naive = 0.0134, ... }
function largest_step(rungs, seconds)
  return rungs[1]
end

-- "stride", "cache", "threads", "simd" ou/or "tuning"
function reason(rung)
  return "?"
end

-- La plus grande taille / the largest size
function largest_n(gflops, seconds)
  return nil
end
]],
  checks = {
    {
      id = "gflops",
      title = { fr = "GFLOP/s de chaque barreau", en = "GFLOP/s of each rung" },
      points = 2,
      hint = { fr = "Une multiplication de matrices n × n fait n³ multiplications et n³ additions ; divisez par le temps, puis comptez en milliards.",
               en = "An n × n matrix multiplication does n³ multiplies and n³ adds; divide by the time, then count in billions." },
      run = function(s, ctx)
        local list = {}
        for _, L in ipairs(all_ladders()) do
          for _, r in ipairs(RUNGS) do
            local t = L.seconds[r]
            list[#list + 1] = { n = L.n, t = t, name = { fr = ("%s, %s, n = %d en %s s"):format(whose(L, "fr"), r, L.n, fmt(t, "fr")),
                                                          en = ("%s, %s, n = %d in %s s"):format(whose(L, "en"), r, L.n, fmt(t)) } }
          end
        end
        local share, said = graded(ctx, list, function(c) return s.gflops(c.n, c.t), gflops(c.n, c.t) end, {
          unit = "GFLOP/s",
          slip = function(c, got)
            if type(got) == "number" and usine.near(got, gflops(c.n, c.t) / 2, 0.01) then
              return { fr = "n³ compte les multiplications seules : les additions aussi sont des FLOP", en = "n³ counts the multiplies alone: the adds are FLOPs too" }
            end
          end })
        if share ~= true then return share, said end
        local fr, en = about(measured())
        return true, { fr = fr, en = en }
      end,
    },
    {
      id = "speedup",
      title = { fr = "Accélérations", en = "Speed-ups" },
      points = 2,
      hint = { fr = "Plus rapide veut dire moins de temps : l'accélération est plus grande que 1 quand t est plus petit que t_ref.",
               en = "Faster means less time: the speed-up is above 1 when t is below t_ref." },
      run = function(s, ctx)
        local list = {}
        for _, L in ipairs(all_ladders()) do
          for i = 2, #RUNGS do
            for _, ref in ipairs({ RUNGS[1], RUNGS[i - 1] }) do
              list[#list + 1] = { tr = L.seconds[ref], t = L.seconds[RUNGS[i]], name = {
                fr = ("%s, %s sur %s"):format(whose(L, "fr"), RUNGS[i], ref), en = ("%s, %s over %s"):format(whose(L, "en"), RUNGS[i], ref) } }
            end
          end
        end
        return graded(ctx, list, function(c) return s.speedup(c.tr, c.t), c.tr / c.t end, {
          slip = function(c, got)
            if type(got) == "number" and usine.near(got, c.t / c.tr, 0.01) then
              return { fr = "le rapport est inversé : t_ref / t", en = "the ratio is upside down: t_ref / t" }
            end
          end })
      end,
    },
    {
      id = "peak",
      title = { fr = "Part de la crête", en = "Fraction of peak" },
      points = 2,
      hint = { fr = "Un rapport entre ce qui est atteint et ce qui est possible, dans la même unité.",
               en = "A ratio of what is reached to what is possible, in the same unit." },
      run = function(s, ctx)
        local list = {}
        for _, L in ipairs(all_ladders()) do
          for _, r in ipairs(RUNGS) do
            local g = gflops(L.n, L.seconds[r])
            list[#list + 1] = { g = g, peak = L.peak_gflops, name = {
              fr = ("%s, %s à %s GFLOP/s, crête %s GFLOP/s"):format(whose(L, "fr"), r, fmt(g, "fr"), fmt(L.peak_gflops, "fr")),
              en = ("%s, %s at %s GFLOP/s, peak %s GFLOP/s"):format(whose(L, "en"), r, fmt(g), fmt(L.peak_gflops)) } }
          end
        end
        return graded(ctx, list, function(c) return s.fraction_of_peak(c.g, c.peak), c.g / c.peak end)
      end,
    },
    {
      id = "predict",
      title = { fr = "Accélérations idéales : fils et vecteurs", en = "Ideal speed-ups: threads and vectors" },
      points = 2,
      hint = { fr = "Idéalement, chaque cœur ajouté travaille autant que le premier ; pour les vecteurs, comparez la largeur du micro-noyau à celle des barreaux précédents.",
               en = "Ideally, each added core works as hard as the first; for vectors, compare the micro-kernel's width with that of the rungs before it." },
      run = function(s, ctx)
        local list = {}
        for _, L in ipairs(all_ladders()) do
          for _, c in ipairs({ { "blocked_omp", L.threads }, { "simd_omp", L.lanes / 4 } }) do
            list[#list + 1] = { rung = c[1], L = L, want = c[2], name = {
              fr = ("%s, %s avec %d fil(s) et des vecteurs de %d nombres"):format(whose(L, "fr"), c[1], L.threads, L.lanes),
              en = ("%s, %s with %d thread(s) and %d-number vectors"):format(whose(L, "en"), c[1], L.threads, L.lanes) } }
          end
        end
        return graded(ctx, list, function(c) return s.predicted_speedup(c.rung, c.L.threads, c.L.lanes), c.want end, { rel = 1e-6 })
      end,
    },
    {
      id = "largest",
      title = { fr = "Le barreau qui gagne le plus", en = "The rung that gains most" },
      points = 3,
      hint = { fr = "Comparez chaque barreau à celui qui le précède, pas au premier ; parcourez la liste dans l'ordre.",
               en = "Compare each rung with the one before it, not with the first; walk the list in order." },
      run = function(s, ctx)
        local list = {}
        for _, L in ipairs(all_ladders()) do list[#list + 1] = { L = L, name = { fr = whose(L, "fr"), en = whose(L, "en") } } end
        return graded(ctx, list, function(c)
          local want, _, close = largest_step(c.L)
          local got = s.largest_step(RUNGS, c.L.seconds)
          if type(got) == "string" and close[got] then want = got end   -- a tie: either is right
          return got, want
        end)
      end,
    },
    {
      id = "reasons",
      title = { fr = "Ce que chaque barreau met à profit", en = "What each rung puts to use" },
      points = 3,
      hint = { fr = "Relisez ce que chaque barreau change dans la liste du texte, et cherchez la ressource du processeur qui en profite.",
               en = "Reread what each rung changes in the text's list, and find the processor resource that benefits." },
      run = function(s, ctx)
        local list = {}
        for i = 2, #RUNGS do list[#list + 1] = { rung = RUNGS[i], name = RUNGS[i] } end
        return usine.cases(ctx, list, function(c) return s.reason(c.rung), REASON[c.rung] end)
      end,
    },
    {
      id = "largest-n",
      title = { fr = "La plus grande matrice dans un temps donné", en = "The largest matrix within a given time" },
      points = 2,
      hint = { fr = "Le temps croît comme le cube de n : partez du nombre de FLOP que permet le temps donné, puis arrondissez vers le bas.",
               en = "The time grows as the cube of n: start from the FLOPs the time allows, then round down." },
      run = function(s, ctx)
        local list = {}
        for _ = 1, 20 do
          local g, t = 10 ^ (math.random() * 5 - 1), 10 ^ (math.random() * 5 - 3)
          list[#list + 1] = { g = g, t = t, name = { fr = ("%s GFLOP/s en %s s"):format(f3(g, "fr"), f3(t, "fr")), en = ("%s GFLOP/s within %s s"):format(f3(g), f3(t)) } }
        end
        -- this computer's sgemm, measured: the largest matrix it multiplies in a second
        local L = measured()
        local g = gflops(L.n, L.seconds.sgemm)
        list[#list + 1] = { g = g, t = 1, name = { fr = ("%s, sgemm à %s GFLOP/s, en 1 s"):format(whose(L, "fr"), f3(g, "fr")),
                                                   en = ("%s, sgemm at %s GFLOP/s, within 1 s"):format(whose(L, "en"), f3(g)) } }
        return usine.cases(ctx, list, function(c) return s.largest_n(c.g, c.t), ref.largest_n(c.g, c.t) end, { exact = true,
          slip = function(c, got)
            if type(got) == "number" and got == ref.largest_n(2 * c.g, c.t) and got ~= ref.largest_n(c.g, c.t) then
              return { fr = "c'est avec n³ FLOP : les additions comptent aussi", en = "that is with n³ FLOPs: the adds count too" }
            end
          end })
      end,
    },
  },
}
