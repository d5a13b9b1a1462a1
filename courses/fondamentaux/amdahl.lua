-- Exercise 4: Amdahl's law and OpenMP.
-- Concepts: speed-up, serial fraction, Amdahl's law and its limit, the Karp-Flatt metric, fitting a
-- serial fraction to measured scaling by least squares.
-- Difficulty 2, 35 minutes. Platform: the classroom (the law applies to any parallel machine).
-- The checks build noisy thread-scaling datasets at the top of the file from math.random, which the
-- grader seeds (the same numbers for one seed, other numbers in another exam), compare the student's fit with usine.amdahl_fit on each, and add
-- one dataset measured on this computer at grading time (the blocked_omp rung of usine.kernels at
-- n = 512 on 1, 2, 4, 8 threads, up to the cores), passed to the student's functions as it is: the
-- expected value comes from the same times, so the grade never depends on the machine. Where the
-- kernels cannot run, or the computer has one core, that dataset is left out and the message says so.

local function amdahl(f, p) return 1 / (f + (1 - f) / p) end

-- Noisy datasets drawn from the grading seed: times of one job on threads[i] threads, threads[1] = 1.
local function noisy(name_fr, name_en, f, threads, t1, noise)
  local times = {}
  for i, p in ipairs(threads) do
    times[i] = t1 / amdahl(f, p) * (1 + noise * (2 * math.random() - 1))
  end
  return { fr = name_fr, en = name_en, threads = threads, times = times }
end

local DATASETS = {
  noisy("boucle OpenMP sur un nœud de 16 cœurs", "OpenMP loop on a 16-core node", 0.05, { 1, 2, 4, 8, 16 }, 12.0, 0.03),
  noisy("prétraitement sur les 64 cœurs d'un nœud GPU", "preprocessing on a GPU node's 64 cores", 0.01, { 1, 2, 4, 8, 16, 32, 64 }, 80.0, 0.02),
  noisy("chargement de données à lecture série", "data loading with serial reads", 0.3, { 1, 2, 3, 4, 6, 8 }, 5.0, 0.05),
  noisy("nombres de fils quelconques", "irregular thread counts", 0.12, { 1, 3, 5, 7, 12, 24 }, 30.0, 0.04),
  noisy("une autre boucle", "another loop", math.random(1, 40) / 100, { 1, 2, 4, 6, 8, 12 }, math.random(2, 60), 0.03),
}
-- Superlinear speed-ups (the data fit in the caches of more cores): the raw fit is negative.
do
  local threads, times = { 1, 2, 4, 8 }, {}
  for i, p in ipairs(threads) do times[i] = 10.0 / p * (p == 1 and 1 or 0.9) end
  DATASETS[#DATASETS + 1] = { fr = "accélération superlinéaire (effet de cache)", en = "superlinear speed-up (cache effect)",
                              threads = threads, times = times }
end

local function speedups(d)
  local s = {}
  for i = 1, #d.times do s[i] = d.times[1] / d.times[i] end
  return s
end

-- This computer's scaling, measured once per submission (the kernels only run inside checks).
local here, here_why
local function measured()
  if here ~= nil then return here or nil end
  here = false
  local ok, cpu = pcall(usine.kernels.cpu)
  if not (ok and type(cpu) == "table") then
    here_why = { fr = "les noyaux ne peuvent pas tourner ici", en = "the kernels cannot run here" }
    return nil
  end
  local threads, times, share = {}, {}, 1
  local p = 1
  while p <= math.min(cpu.cores, 8) do
    local ok2, g = pcall(usine.kernels.gemm, "blocked_omp", 512, p)
    if not (ok2 and type(g) == "table" and usine.finite(g.seconds) and g.seconds > 0) then
      here_why = { fr = "la mesure a échoué", en = "the measurement failed" }
      return nil
    end
    if usine.finite(g.cpu_share) then share = math.min(share, g.cpu_share) end
    threads[#threads + 1], times[#times + 1] = p, g.seconds
    p = p * 2
  end
  if #threads < 2 then
    here_why = { fr = "cet ordinateur n'a qu'un cœur", en = "this computer has one core" }
    return nil
  end
  here = { fr = ("cet ordinateur (%s), barreau blocked_omp, n = 512"):format(cpu.model),
           en = ("this computer (%s), blocked_omp rung, n = 512"):format(cpu.model),
           threads = threads, times = times, measured = true, cpu_share = share }
  return here
end

local function all_datasets()
  local list = {}
  local m = measured()
  if m then list[1] = m end
  for _, d in ipairs(DATASETS) do list[#list + 1] = d end
  return list
end

local function fmt(x, lang) return usine.num(x, { lang = lang, sig = 6, trim = true }) end

-- What a fit on this computer says, in words: a busy machine or a slower run on more threads
-- measures the load, not the code.
local function fitted_words(m, f)
  local fr = ("Sur %s : f = %s, limite %s"):format(m.fr, usine.num(f, { lang = "fr", sig = 3, trim = true }), usine.num(f > 0 and 1 / f or math.huge, { lang = "fr", sig = 3, trim = true }))
  local en = ("On %s: f = %.3g, limit %.3g"):format(m.en, f, f > 0 and 1 / f or math.huge)
  local slower = false
  for i = 2, #m.times do slower = slower or m.times[i] >= m.times[1] end
  if m.cpu_share < 0.75 or slower or f >= 0.99 then
    local pct = usine.num(100 * m.cpu_share, { sig = 2, trim = true })
    fr = fr .. (". Ce chiffre mesure la charge de la machine, pas le code : %s, le noyau n'a eu que %s %% du processeur demandé. Refaites la mesure sur une machine au repos (usine bench ladder)"):format(
      slower and "plus de fils ont été plus lents qu'un seul" or "elle était occupée", usine.num(100 * m.cpu_share, { lang = "fr", sig = 2, trim = true }))
    en = en .. (". This figure measures the machine's load, not the code: %s, the kernel got only %s %% of the processor it asked for. Measure again on an idle machine (usine bench ladder)"):format(
      slower and "more threads ran slower than one" or "it was busy", pct)
  end
  return { fr = fr, en = en }
end
local function list_of(v, lang)
  local out = {}
  for i, x in ipairs(v) do out[i] = usine.num(x, { lang = lang, sig = 4, trim = true }) end
  return "{ " .. table.concat(out, lang == "fr" and " ; " or ", ") .. " }"   -- "1,5 ; 2" : the comma is the mark
end

return {
  id = "amdahl",
  title = { fr = "Amdahl et OpenMP : la part série", en = "Amdahl and OpenMP: the serial fraction" },
  text = {
    fr = [[
# Amdahl et OpenMP : la part série

Avec OpenMP, une boucle marquée `#pragma omp parallel for` se partage entre `p` fils, un par
cœur. Le reste du programme (lire les données, initialiser, écrire le résultat) s'exécute sur un
seul fil. Si une part `f` du temps sur un fil est **série**, le temps sur `p` fils est :

```
T(p) = T(1) × (f + (1 − f) / p)
```

L'**accélération** est `S(p) = T(1) / T(p)`, d'où la **loi d'Amdahl** (1967) :

```
S(p) = 1 / (f + (1 − f) / p)
limite quand p → ∞ : 1 / f
```

Exemple : avec `f = 5 %`, 8 fils donnent `S = 5,93`, 64 fils `S = 15,4`, et aucun nombre de fils
ne dépasse 20. La moitié de la limite est atteinte dès `p = (1 − f) / f = 19` fils : au-delà, chaque
cœur ajouté rapporte de moins en moins. La même loi borne une usine d'IA : ce qui ne se partage pas
entre GPU (une communication non recouverte, la bulle d'un pipeline, une lecture de données série)
joue le rôle de `f`.

En pratique, la part série `f` que l'on mesure est **effective** : elle compte le code hors des
régions parallèles, mais aussi le démarrage des fils, les barrières, le déséquilibre de charge et
la bande passante mémoire que les cœurs se partagent.

## Mesurer f

Avec une seule mesure `S` sur `p` fils, on inverse la loi : c'est la **métrique de Karp et Flatt**
(1990).

```
e = (1/S − 1/p) / (1 − 1/p)
```

Avec plusieurs mesures bruitées, on ajuste. La loi se réécrit comme une droite passant par
l'origine, `y = f × x`, avec `x = 1 − 1/p` et `y = 1/S − 1/p`. La pente des **moindres carrés**
d'une droite par l'origine est :

```
f = Σ (x × y) / Σ (x²)
```

C'est ce que fait `usine.amdahl_fit(threads, speedups)` (absent de votre rendu : à vous de l'écrire). Une part série est comprise entre 0 et
1 : si l'ajustement sort de cet intervalle (des accélérations **superlinéaires**, quand les données
de chaque fil finissent par tenir dans son cache), on le ramène à la borne la plus proche.

## À faire

Écrivez :

1. `speedup(t1, tp)` : l'accélération d'un temps `tp` sur `p` fils par rapport au temps `t1` sur un
   seul ;
2. `amdahl_speedup(f, p)` : l'accélération que prédit la loi d'Amdahl ;
3. `amdahl_limit(f)` : sa limite pour une infinité de fils (`f > 0`) ;
4. `karp_flatt(p, s)` : la part série déduite d'une accélération `s` mesurée sur `p > 1` fils ;
5. `fit_serial_fraction(threads, times)` : la part série ajustée par moindres carrés, comme
   ci-dessus, bornée à `[0, 1]`. `threads` est une liste de nombres de fils qui commence toujours
   par 1, `times` la liste des temps mesurés, en secondes, dans le même ordre ;
6. `threads_for(f, speedup)` : la question inverse : le plus petit nombre entier de fils qui donne
   au moins l'accélération `speedup` selon Amdahl, ou `math.huge` si aucun n'y arrive.

Vos fonctions seront essayées sur des jeux de mesures bruitées, et sur un jeu mesuré sur **cet
ordinateur** pendant la correction (le barreau `blocked_omp` de l'exercice précédent, `n = 512`,
sur 1, 2, 4 et 8 fils, dans la limite de ses cœurs). Pour voir la courbe de votre machine :
`usine bench scaling`.

Sources : G. Amdahl, « Validity of the single processor approach to achieving large scale computing
capabilities », AFIPS 1967 ; A. Karp, H. Flatt, « Measuring parallel processor performance »,
CACM 33(5), 1990 ; spécification OpenMP ; `kernels/cpu.c` d'Usine (`kn_amdahl_fit`).
]],
    en = [[
# Amdahl and OpenMP: the serial fraction

With OpenMP, a loop marked `#pragma omp parallel for` is shared among `p` threads, one per core.
The rest of the program (reading the data, setting up, writing the result) runs on one thread. If a
fraction `f` of the one-thread time is **serial**, the time on `p` threads is:

```
T(p) = T(1) × (f + (1 − f) / p)
```

The **speed-up** is `S(p) = T(1) / T(p)`, hence **Amdahl's law** (1967):

```
S(p) = 1 / (f + (1 − f) / p)
limit as p → ∞: 1 / f
```

Example: with `f = 5 %`, 8 threads give `S = 5.93`, 64 threads `S = 15.4`, and no number of
threads goes beyond 20. Half the limit is reached at `p = (1 − f) / f = 19` threads: beyond that,
each added core brings less and less. The same law bounds an AI factory: whatever is not shared
among GPUs (a communication that is not overlapped, a pipeline's bubble, serial data reading) plays
the part of `f`.

In practice the measured `f` is an **effective** serial fraction: the code outside parallel
regions, but also starting the threads, barriers, load imbalance and the memory bandwidth the
cores share.

## Measuring f

With a single measurement `S` on `p` threads, invert the law: this is the **Karp-Flatt metric**
(1990).

```
e = (1/S − 1/p) / (1 − 1/p)
```

With several noisy measurements, fit. The law can be written as a line through the origin,
`y = f × x`, with `x = 1 − 1/p` and `y = 1/S − 1/p`. The **least-squares** slope of a line through
the origin is:

```
f = Σ (x × y) / Σ (x²)
```

This is what `usine.amdahl_fit(threads, speedups)` does (absent from your submission: yours to write). A serial fraction lies between 0 and 1: if
the fit falls outside (**superlinear** speed-ups, when each thread's data end up fitting in its
cache), bring it back to the nearest bound.

## Your task

Write:

1. `speedup(t1, tp)`: the speed-up of a time `tp` on `p` threads over the time `t1` on one;
2. `amdahl_speedup(f, p)`: the speed-up Amdahl's law predicts;
3. `amdahl_limit(f)`: its limit for infinitely many threads (`f > 0`);
4. `karp_flatt(p, s)`: the serial fraction implied by a speed-up `s` measured on `p > 1` threads;
5. `fit_serial_fraction(threads, times)`: the least-squares serial fraction, as above, bounded to
   `[0, 1]`. `threads` is a list of thread counts that always starts with 1, `times` the list of
   measured times, in seconds, in the same order;
6. `threads_for(f, speedup)`: the question the other way round: the smallest whole number of
   threads that gives at least the speed-up `speedup` by Amdahl's law, or `math.huge` if none does.

Your functions will be tried on noisy datasets, and on a dataset measured on **this computer**
during grading (the `blocked_omp` rung of the previous exercise, `n = 512`, on 1, 2, 4 and 8
threads, as far as its cores allow). To see your machine's curve: `usine bench scaling`.

Sources: G. Amdahl, "Validity of the single processor approach to achieving large scale computing
capabilities", AFIPS 1967; A. Karp, H. Flatt, "Measuring parallel processor performance",
CACM 33(5), 1990; the OpenMP specification; Usine's `kernels/cpu.c` (`kn_amdahl_fit`).
]],
  },
  concepts = {
    fr = { "accélération", "part série", "loi d'Amdahl", "métrique de Karp-Flatt", "moindres carrés" },
    en = { "speed-up", "serial fraction", "Amdahl's law", "Karp-Flatt metric", "least squares" },
  },
  difficulty = 2,
  minutes = 35,
  platform = "classroom",
  scenario = { partition = "gpu" },
  -- What a submission may use of usine. Nothing of usine: usine.amdahl_fit is the answer of fit_serial_fraction.
  allow = {},
  -- The measurement runs up to 8 threads for 0.05 s each: room for CPU time on busy machines.
  limits = { seconds = 10 },
  starter = [[
-- Exercice 4 : Amdahl et OpenMP / Exercise 4: Amdahl and OpenMP

function speedup(t1, tp)
  return nil
end

function amdahl_speedup(f, p)
  return 0
end

function amdahl_limit(f)
  return math.huge
end

function karp_flatt(p, s)
  return 0
end

-- threads = { 1, 2, 4, 8 }, times = { 12.0, 6.3, 3.4, 2.1 } (secondes / seconds)
function fit_serial_fraction(threads, times)
  return nil
end

-- Le plus petit nombre de fils pour une accélération / the fewest threads for a speed-up
function threads_for(f, speedup)
  return nil
end
]],
  checks = {
    {
      id = "speedup",
      title = { fr = "Accélération mesurée", en = "Measured speed-up" },
      points = 1,
      hint = { fr = "Une accélération se lit « combien de fois plus vite » : plus de 1 quand le temps baisse.",
               en = "A speed-up reads \"how many times faster\": above 1 when the time goes down." },
      run = function(s, ctx)
        local list = {}
        for _, d in ipairs(DATASETS) do
          for i = 2, #d.times do
            list[#list + 1] = { t1 = d.times[1], tp = d.times[i], name = ("t1 = %s s, tp = %s s"):format(fmt(d.times[1]), fmt(d.times[i])) }
          end
        end
        return usine.cases(ctx, list, function(c) return s.speedup(c.t1, c.tp), c.t1 / c.tp end, {
          slip = function(c, got)
            if type(got) == "number" and usine.near(got, c.tp / c.t1, 0.01) then
              return { fr = "le rapport est inversé : t1 / tp", en = "the ratio is upside down: t1 / tp" }
            end
          end })
      end,
    },
    {
      id = "law",
      title = { fr = "Loi d'Amdahl", en = "Amdahl's law" },
      points = 2,
      hint = { fr = "Le temps sur p fils est la partie série, inchangée, plus la partie parallèle divisée par p ; l'accélération est le rapport des temps.",
               en = "The time on p threads is the serial part, unchanged, plus the parallel part divided by p; the speed-up is the ratio of the times." },
      run = function(s, ctx)
        local list = {}
        for _, f in ipairs({ 0.05, 0.3, 0.01, 0, 1, 0.001, math.random(1, 999) / 1000 }) do
          for _, p in ipairs({ 1, 2, 8, 64, 1456, 100000, math.random(3, 500) }) do
            list[#list + 1] = { f = f, p = p, name = ("f = %s, p = %d"):format(fmt(f), p) }
          end
        end
        return usine.cases(ctx, list, function(c) return s.amdahl_speedup(c.f, c.p), amdahl(c.f, c.p) end, {
          rel = 1e-6,
          slip = function(c, got)
            if type(got) == "number" and c.f > 0 and c.f < 1 and c.p > 1 and usine.near(got, 1 / (1 - c.f + c.f / c.p), 1e-6) then
              return { fr = "f est la part série : c'est l'autre part qui se divise par p", en = "f is the serial part: it is the other part that divides by p" }
            end
          end })
      end,
    },
    {
      id = "limit",
      title = { fr = "Limite d'Amdahl", en = "Amdahl's limit" },
      points = 1,
      hint = { fr = "Quand p devient immense, que reste-t-il du temps ?",
               en = "When p becomes huge, what is left of the time?" },
      run = function(s, ctx)
        local list = {}
        for _, f in ipairs({ 0.05, 0.5, 0.1, 0.01, 0.001, 1, math.random(1, 999) / 1000 }) do list[#list + 1] = { f = f, name = ("f = %s"):format(fmt(f)) } end
        return usine.cases(ctx, list, function(c) return s.amdahl_limit(c.f), 1 / c.f end, { rel = 1e-6 })
      end,
    },
    {
      id = "karp-flatt",
      title = { fr = "Part série d'une seule mesure (Karp-Flatt)", en = "Serial fraction from one measurement (Karp-Flatt)" },
      points = 2,
      hint = { fr = "Partez de 1/S = f + (1 − f)/p et isolez f.",
               en = "Start from 1/S = f + (1 − f)/p and solve for f." },
      run = function(s, ctx)
        local list = {}
        for _, d in ipairs(DATASETS) do
          local sp = speedups(d)
          for i = 2, #sp do
            list[#list + 1] = { p = d.threads[i], sp = sp[i], name = { fr = ("%s, p = %d, S = %s"):format(d.fr, d.threads[i], fmt(sp[i], "fr")),
                                                                        en = ("%s, p = %d, S = %s"):format(d.en, d.threads[i], fmt(sp[i])) } }
          end
        end
        return usine.cases(ctx, list, function(c) return s.karp_flatt(c.p, c.sp), (1 / c.sp - 1 / c.p) / (1 - 1 / c.p) end, { rel = 1e-6, abs = 1e-9 })
      end,
    },
    {
      id = "fit",
      title = { fr = "Part série ajustée sur plusieurs mesures", en = "Serial fraction fitted to several measurements" },
      points = 4,
      hint = { fr = "Passez des temps aux accélérations (le premier temps est celui d'un fil), puis faites la somme des x·y et des x² sur tous les points ; n'oubliez pas les bornes.",
               en = "Go from times to speed-ups (the first time is the one-thread time), then sum x·y and x² over all points; do not forget the bounds." },
      run = function(s, ctx)
        local list = {}
        for _, d in ipairs(all_datasets()) do
          list[#list + 1] = { d = d, want = usine.amdahl_fit(d.threads, speedups(d)), name = {
            fr = ("%s, fils %s, temps %s"):format(d.fr, list_of(d.threads, "fr"), list_of(d.times, "fr")),
            en = ("%s, threads %s, times %s"):format(d.en, list_of(d.threads), list_of(d.times)) } }
        end
        local share, said = usine.cases(ctx, list, function(c) return s.fit_serial_fraction(c.d.threads, c.d.times), c.want end, { rel = 1e-6, abs = 1e-9 })
        if share ~= true then return share, said end
        local m = measured()
        if m then return true, fitted_words(m, list[1].want) end
        return true, { fr = ("Pas de mesure sur cet ordinateur : %s."):format(here_why and here_why.fr or "?"),
                       en = ("No measurement on this computer: %s."):format(here_why and here_why.en or "?") }
      end,
    },
    {
      id = "threads-for",
      title = { fr = "Combien de fils pour une accélération", en = "How many threads for a speed-up" },
      points = 2,
      hint = { fr = "Écrivez la loi comme une inégalité en p et isolez p ; au-delà de la limite 1 / f, aucun nombre de fils ne suffit.",
               en = "Write the law as an inequality in p and solve for p; beyond the limit 1 / f, no number of threads is enough." },
      run = function(s, ctx)
        local list = {}
        for _ = 1, 40 do
          if #list >= 20 then break end
          local f = math.random(0, 300) / 1000
          local limit = f > 0 and 1 / f or math.huge
          local S = math.random() < 0.2 and limit * (1 + math.random()) or 1 + (math.min(limit, 200) - 1) * math.random() ^ 2
          local want, x = math.huge, nil
          if S <= 1 then want = 1
          elseif 1 / S - f > 0 then
            x = (1 - f) / (1 / S - f)
            want = math.max(1, math.ceil(x))
          end
          if not x or math.abs(x - math.floor(x + 0.5)) > 1e-6 then   -- a quotient at an integer could go either way
            list[#list + 1] = { f = f, S = S, want = want, name = ("f = %s, S = %s"):format(fmt(f), fmt(S)) }
          end
        end
        return usine.cases(ctx, list, function(c) return s.threads_for(c.f, c.S), c.want end, {
          exact = true,
          slip = function(c, got)
            if c.want == math.huge and type(got) == "number" and got ~= math.huge then
              return { fr = "cette accélération dépasse la limite 1 / f : aucun nombre de fils n'y arrive", en = "that speed-up is beyond the limit 1 / f: no number of threads reaches it" }
            end
          end })
      end,
    },
  },
}
