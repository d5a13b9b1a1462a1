-- Exercise 14: from this computer to the AI factories.
-- Concepts: calibrating a kernel against the roofline (the share of its ceiling it reaches),
-- extrapolating a measured time to another machine, why a GPU's advantage is the ratio of peaks
-- for one kernel and of bandwidths for another, a whole partition's time.
-- Difficulty 3, 40 minutes. Platform: Jean Zay (H100 partition); the checks also use Frontier, Alice Recoque and
-- El Capitan.
-- The checks measure this computer once per submission (usine.kernels: its fp32 peak, a STREAM
-- triad, an sgemm), pass the figures to the student's functions, and compute the expected values
-- from the same figures (reference/extrapolate.lua), so the grade never depends on the machine;
-- most cases are machines and kernels drawn from the grading seed.

local ref = usine.reference("extrapolate")
local measure = usine.reference("here")

local function fmt(x, lang) return usine.num(x, { lang = lang, sig = 4, trim = true }) end

-- The accelerators of four factories, with their peaks in fp32 (this computer's sgemm) and fp64
-- (STREAM's triad computes in doubles). Alice Recoque's MI430X has no published fp32 peak (its
-- platform file gives none), so it is in FACTORIES64 only. Jean Zay's H100 first.
local function accelerators(precision, list)
  local out = {}
  for _, k in ipairs(list) do
    local p = usine.platform(k[1])
    local part = p:partition(k[2])
    local acc = part.accelerator
    assert((acc.peak_tflops[precision] or 0) > 0, "extrapolate: no " .. precision .. " peak for " .. acc.name)
    out[#out + 1] = { name = acc.name, p = p, id = k[2], gpus = part.gpus, where = p.id .. "/" .. k[2],
                      peak_tflops = acc.peak_tflops[precision], bandwidth_tbs = acc.memory_tbs }
  end
  return out
end
local FOUR = { { "jean-zay", "h100" }, { "jean-zay", "a100" }, { "frontier", "mi250x" }, { "el-capitan", "mi300a" } }
local ACCELERATORS = accelerators("fp32", FOUR)
local FACTORIES64 = accelerators("fp64", { FOUR[1], FOUR[2], FOUR[3], FOUR[4], { "alice-recoque", "gpu" } })

-- Machines drawn from the grading seed: CPUs and GPUs that no datasheet has.
local function cpu(k)
  return { name = ("CPU-%d"):format(k), peak_tflops = math.random(20, 3000) / 1000, bandwidth_tbs = math.random(15, 500) / 1000 }
end
local function gpu(k)
  return { name = ("GPU-%d"):format(k), peak_tflops = math.random(10, 250), bandwidth_tbs = math.random(8, 90) / 10 }
end
local function intensity() return 2 ^ (math.random() * 14 - 4) end   -- 1/16 to 1,024 FLOPs per byte
local function arg(m) return { peak_tflops = m.peak_tflops, bandwidth_tbs = m.bandwidth_tbs } end
local function said(m, lang)
  return (lang == "fr" and "%s (%s TFLOP/s, %s To/s)" or "%s (%s TFLOP/s, %s TB/s)"):format(m.name, fmt(m.peak_tflops, lang), fmt(m.bandwidth_tbs, lang))
end

-- This computer, measured once per submission: its fp32 peak, STREAM's triad and an sgemm.
local N = 512
local here
local function this_computer()
  if here then return here end
  local ok, c = pcall(usine.kernels.cpu)
  local ok2, st, ok3, g = false, nil, false, nil
  if ok and type(c) == "table" then
    ok2, st = measure.stream(c)
    ok3, g = pcall(usine.kernels.gemm, "sgemm", N)
  end
  if ok and ok2 and ok3 and usine.finite(c.peak_gflops) and c.peak_gflops > 0 and usine.finite(st.triad) and st.triad > 0
     and usine.finite(g.gflops) and g.gflops > 0 then
    -- fp64: half the fp32 peak, a vector register holds half as many doubles
    here = { name = c.model, peak_tflops = c.peak_gflops / 1000, peak64_tflops = c.peak_gflops / 2000, bandwidth_tbs = st.triad / 1000,
             measured = true, busy = st.busy or g.busy, share = math.min(st.cpu_share or 1, g.cpu_share or 1),
             -- sgemm: 2n³ FLOPs over 3n² fp32 numbers; the triad a = b + s·c: 2 FLOPs per 24 bytes (fp64)
             kernels = { { name = ("sgemm n = %d"):format(N), i = 2 * N / (3 * 4), gflops = g.gflops, seconds = 2 * N ^ 3 / (g.gflops * 1e9), fp64 = false },
                         { name = "triad", i = 2 / 24, gflops = st.triad / 12, seconds = 24 * st.elements / (st.triad * 1e9), fp64 = true } } }
  else
    -- stand-in figures (a laptop-class CPU), only where the kernels cannot run
    here = { name = "CPU", peak_tflops = 0.5, peak64_tflops = 0.25, bandwidth_tbs = 0.05, measured = false,
             kernels = { { name = ("sgemm n = %d"):format(N), i = 2 * N / 12, gflops = 200, seconds = 2 * N ^ 3 / 200e9, fp64 = false },
                         { name = "triad", i = 2 / 24, gflops = 50 / 12, seconds = 24 * 2 ^ 24 / 50e9, fp64 = true } } }
  end
  return here
end

local function here_words(m)
  local fr = ("%s : crête fp32 %s GFLOP/s, triade STREAM %s Go/s ; sgemm %s GFLOP/s"):format(
    m.name, fmt(m.peak_tflops * 1000, "fr"), fmt(m.bandwidth_tbs * 1000, "fr"), fmt(m.kernels[1].gflops, "fr"))
  local en = ("%s: fp32 peak %s GFLOP/s, STREAM triad %s GB/s; sgemm %s GFLOP/s"):format(
    m.name, fmt(m.peak_tflops * 1000), fmt(m.bandwidth_tbs * 1000), fmt(m.kernels[1].gflops))
  if not m.measured then
    fr, en = fr .. " (chiffres de remplacement : les noyaux ne peuvent pas tourner ici)", en .. " (stand-in figures: the kernels cannot run here)"
  elseif m.busy then
    local busy = measure.busy_words(m.share)
    fr, en = fr .. busy.fr, en .. busy.en
  end
  return fr, en
end

local function peak_slip(got, want, seconds, i, h, t)
  if type(got) == "number" and usine.near(got, seconds * h.peak_tflops / t.peak_tflops, 0.01) and not usine.near(want, got, 0.01) then
    return { fr = "c'est le rapport des crêtes : il ne vaut que si le noyau est limité par le calcul sur les deux machines",
             en = "that is the ratio of the peaks: it holds only when the kernel is compute-bound on both machines" }
  end
end

return {
  id = "extrapolate",
  title = { fr = "De cet ordinateur aux usines d'IA", en = "From this computer to the AI factories" },
  text = {
    fr = [[
# De cet ordinateur aux usines d'IA

Une mesure sur votre ordinateur dit-elle quelque chose d'un GPU de Jean Zay ? Oui, si l'on
sait ce qui la limite. Le modèle roofline (exercice 2) donne à chaque machine un plafond à chaque
intensité arithmétique `I` : `min(crête, I × bande passante)`.

## Étalonner un noyau

Un noyau mesuré à `g` GFLOP/s sur une machine atteint une **part de son plafond** : `g`, ramené
en TFLOP/s, sur le plafond à son intensité. Un sgemm bien écrit atteint 60 à 90 % du sien ; un
code naïf quelques pour cent. Cette part résume tout ce que le modèle ne voit pas : les caches,
la vectorisation, les fils, le compilateur. `usine calibrate` fait cette mesure sur cet ordinateur
(la part de sa crête qu'atteint son sgemm) et l'écrit dans son profil, dont se sert
`usine predict --platform local`.

## Extrapoler

L'hypothèse la plus simple, celle de cet exercice : le même noyau atteint la **même part** du
plafond sur une autre machine. Son temps y est alors le temps
mesuré multiplié par le rapport des plafonds, ici sur là-bas, à la même intensité.

Le rapport change avec l'intensité. Exemple : un portable à 0,5 TFLOP/s et 50 Go/s en fp32,
un H100 à 67 TFLOP/s et 3,35 To/s. Un GEMM à `I = 85` FLOP par octet est limité par le calcul
sur les deux : le H100 va `67 / 0,5 = 134` fois plus vite. Une triade STREAM (`I = 1/12`) est
limitée par la mémoire sur les deux : 67 fois plus vite seulement, le rapport des bandes
passantes. Entre les deux points d'équilibre (10 FLOP par octet pour le portable, 20 pour le
H100), le noyau est limité par le calcul ici et par la mémoire là-bas : le rapport est mixte.

L'hypothèse casse quand le noyau change de nature en changeant de machine : un problème qui
tenait dans un cache, un GPU trop grand pour un petit problème (ses unités restent vides), un
temps de lancement qui domine, et, sur une partition entière, les communications (exercices 7 à
10), que ce calcul ignore.

## À faire

Une machine `m` est une table `{ peak_tflops = …, bandwidth_tbs = … }`, la crête dans la précision
du noyau. Écrivez :

1. `roofline_fraction(gflops, intensity, m)` : la part du plafond de `m` qu'atteint un noyau
   mesuré à `gflops` GFLOP/s, d'intensité `intensity` FLOP par octet (entre 0 et 1 en pratique) ;
2. `extrapolate_s(seconds, intensity, here, there)` : le temps sur `there` d'un noyau qui a pris
   `seconds` secondes sur `here`, à la même part du plafond ;
3. `ratio_kind(intensity, here, there)` : `"peak"` si le noyau est limité par le calcul sur les
   deux machines, `"bandwidth"` s'il est limité par la mémoire sur les deux, sinon `"mixed"` ;
4. `partition_s(flops, intensity, fraction, m, gpus)` : le temps de `flops` FLOP répartis sur
   `gpus` accélérateurs `m`, chacun à la part `fraction` de son plafond, sans communication.

Les vérifications les essaient sur des machines inventées à chaque correction, puis sur **cet
ordinateur** : sa crête, sa triade STREAM et un sgemm `512 × 512` sont mesurés pendant la
correction, étalonnés avec vos fonctions et extrapolés aux H100 (et à toute la partition H100) et
A100 de Jean Zay, au MI250X de Frontier et au MI300A d'El Capitan. Chaque noyau dans sa précision :
le sgemm en fp32, la triade en fp64 (STREAM calcule en doubles ; la crête fp64 d'un processeur est
la moitié de sa crête fp32), et la triade aussi au MI430X d'Alice Recoque, dont seule la crête fp64
est publiée. Pour les voir vous-même : `usine bench ladder`, `usine bench stream`, puis `usine calibrate` et
`usine predict --platform local`.

Sources : S. Williams, A. Waterman, D. Patterson, « Roofline », CACM 52(4), 2009 ; J. McCalpin,
STREAM ; fichiers de plateforme d'Usine (crêtes fp32 et bandes passantes des fiches techniques
NVIDIA et AMD).
]],
    en = [[
# From this computer to the AI factories

Does a measurement on your computer say anything about a GPU of Jean Zay? Yes, if you know
what limits it. The roofline model (exercise 2) gives each machine a ceiling at each arithmetic
intensity `I`: `min(peak, I × bandwidth)`.

## Calibrating a kernel

A kernel measured at `g` GFLOP/s on a machine reaches a **share of its ceiling**: `g`, in TFLOP/s,
over the ceiling at its intensity. A well-written sgemm reaches 60 to 90 % of its own; naive code
a few per cent. That share sums up everything the model does not see: caches, vectorisation,
threads, the compiler. `usine calibrate` makes that measurement on this computer (the share of its
peak its sgemm reaches) and writes it into its profile, which `usine predict --platform local`
uses.

## Extrapolating

The simplest assumption, this exercise's: the same kernel reaches the **same share** of the
ceiling on another machine. Its time there is then the
measured time times the ratio of the ceilings, here over there, at the same intensity.

The ratio changes with the intensity. Example: a laptop at 0.5 TFLOP/s and 50 GB/s in fp32, an
H100 at 67 TFLOP/s and 3.35 TB/s. A GEMM at `I = 85` FLOPs per byte is compute-bound on both:
the H100 is `67 / 0.5 = 134` times faster. A STREAM triad (`I = 1/12`) is memory-bound on both:
only 67 times faster, the ratio of the bandwidths. Between the two ridge points (10 FLOPs per
byte for the laptop, 20 for the H100), the kernel is compute-bound here and memory-bound there:
the ratio is mixed.

The assumption breaks when the kernel changes nature as it changes machine: a problem that fitted
in a cache, a GPU too large for a small problem (its units stay idle), a launch time that
dominates, and, on a whole partition, communication (exercises 7 to 10), which this calculation
leaves out.

## Your task

A machine `m` is a table `{ peak_tflops = ..., bandwidth_tbs = ... }`, the peak in the kernel's
precision. Write:

1. `roofline_fraction(gflops, intensity, m)`: the share of `m`'s ceiling that a kernel measured at
   `gflops` GFLOP/s, of intensity `intensity` FLOPs per byte, reaches (between 0 and 1 in
   practice);
2. `extrapolate_s(seconds, intensity, here, there)`: the time on `there` of a kernel that took
   `seconds` seconds on `here`, at the same share of the ceiling;
3. `ratio_kind(intensity, here, there)`: `"peak"` if the kernel is compute-bound on both machines,
   `"bandwidth"` if it is memory-bound on both, else `"mixed"`;
4. `partition_s(flops, intensity, fraction, m, gpus)`: the time of `flops` FLOPs spread over `gpus`
   accelerators `m`, each at the share `fraction` of its ceiling, without communication.

The checks try them on machines made up at each grading, then on **this computer**: its peak,
its STREAM triad and a `512 × 512` sgemm are measured during grading, calibrated with your
functions and extrapolated to Jean Zay's H100 (and its whole H100 partition) and A100, Frontier's
MI250X and El Capitan's MI300A. Each kernel in its precision: the sgemm in fp32, the triad in fp64
(STREAM computes in doubles; a CPU's fp64 peak is half its fp32 peak), and the triad also to Alice
Recoque's MI430X, whose fp64 peak alone is published. To see
them yourself: `usine bench ladder`,
`usine bench stream`, then `usine calibrate` and `usine predict --platform local`.

Sources: S. Williams, A. Waterman, D. Patterson, "Roofline", CACM 52(4), 2009; J. McCalpin, STREAM;
Usine's platform files (fp32 peaks and bandwidths from NVIDIA's and AMD's datasheets).
]],
  },
  concepts = {
    fr = { "étalonnage", "extrapolation", "modèle roofline", "rapport des crêtes", "rapport des bandes passantes" },
    en = { "calibration", "extrapolation", "roofline model", "ratio of peaks", "ratio of bandwidths" },
  },
  difficulty = 3,
  minutes = 40,
  platform = "jean-zay",
  scenario = { partition = "h100" },
  -- What a submission may use of usine. Nothing: the functions take numbers and tables; usine.kernels is the exercise's.
  allow = {},
  -- STREAM starts one OpenMP thread per logical CPU: leave CPU time for big machines.
  limits = { seconds = 30 },
  starter = [[
-- Exercice 14 : de cet ordinateur aux usines d'IA / Exercise 14: from this computer to the AI factories
-- m = { peak_tflops = 67, bandwidth_tbs = 3.35 }

-- Part du plafond atteinte / share of the ceiling reached
function roofline_fraction(gflops, intensity, m)
  return nil
end

-- Temps là-bas, en s / time there, in s
function extrapolate_s(seconds, intensity, here, there)
  return nil
end

-- "peak", "bandwidth" ou/or "mixed"
function ratio_kind(intensity, here, there)
  return nil
end

-- Temps sur une partition, en s / time on a partition, in s
function partition_s(flops, intensity, fraction, m, gpus)
  return nil
end
]],
  checks = {
    {
      id = "fraction",
      title = { fr = "Part du plafond atteinte", en = "Share of the ceiling reached" },
      points = 2,
      hint = { fr = "Le plafond à cette intensité est le plus bas des deux toits ; mettez la mesure et le plafond dans la même unité.",
               en = "The ceiling at that intensity is the lower of the two roofs; put the measurement and the ceiling in the same unit." },
      run = function(s, ctx)
        local list = {}
        for k = 1, 24 do
          local m = k % 2 == 0 and gpu(k) or cpu(k)
          local i = intensity()
          local g = 1000 * ref.attainable(i, m) * (0.02 + 0.96 * math.random())
          list[#list + 1] = { m = m, i = i, g = g, name = { fr = ("%s, %s GFLOP/s à I = %s FLOP/octet"):format(said(m, "fr"), fmt(g, "fr"), fmt(i, "fr")),
                                                           en = ("%s, %s GFLOP/s at I = %s FLOPs/byte"):format(said(m), fmt(g), fmt(i)) } }
        end
        return usine.cases(ctx, list, function(c) return s.roofline_fraction(c.g, c.i, arg(c.m)), ref.fraction(c.g, c.i, c.m) end, {
          slip = function(c, got)
            if type(got) == "number" and usine.near(got, c.g / 1000 / c.m.peak_tflops, 0.01) and not usine.near(got, ref.fraction(c.g, c.i, c.m), 0.01) then
              return { fr = "c'est une part de la crête : sous le point d'équilibre, le plafond est I × bande passante",
                       en = "that is a share of the peak: below the ridge point, the ceiling is I × bandwidth" }
            end
          end })
      end,
    },
    {
      id = "extrapolate",
      title = { fr = "Extrapoler un temps mesuré", en = "Extrapolating a measured time" },
      points = 3,
      hint = { fr = "À la même part du plafond, le temps varie comme l'inverse du plafond : comparez les deux plafonds à l'intensité du noyau.",
               en = "At the same share of the ceiling, the time goes as the inverse of the ceiling: compare the two ceilings at the kernel's intensity." },
      run = function(s, ctx)
        local list = {}
        for k = 1, 30 do
          local h = cpu(k)
          local t = k % 3 == 0 and gpu(k) or ACCELERATORS[math.random(1, #ACCELERATORS)]
          local i, seconds = intensity(), math.random(1, 10000) / 1000
          list[#list + 1] = { h = h, t = t, i = i, seconds = seconds, name = {
            fr = ("%s s sur %s, I = %s FLOP/octet, vers %s"):format(fmt(seconds, "fr"), said(h, "fr"), fmt(i, "fr"), said(t, "fr")),
            en = ("%s s on %s, I = %s FLOPs/byte, to %s"):format(fmt(seconds), said(h), fmt(i), said(t)) } }
        end
        return usine.cases(ctx, list, function(c)
          return s.extrapolate_s(c.seconds, c.i, arg(c.h), arg(c.t)), ref.extrapolate(c.seconds, c.i, c.h, c.t)
        end, { unit = "s", slip = function(c, got, want) return peak_slip(got, want, c.seconds, c.i, c.h, c.t) end })
      end,
    },
    {
      id = "kind",
      title = { fr = "Quel rapport : crêtes, bandes passantes, ou mixte", en = "Which ratio: peaks, bandwidths, or mixed" },
      points = 2,
      hint = { fr = "Placez l'intensité du noyau par rapport au point d'équilibre de chaque machine.",
               en = "Place the kernel's intensity against each machine's ridge point." },
      run = function(s, ctx)
        local list = {}
        for k = 1, 40 do
          local h, t = cpu(k), k % 2 == 0 and gpu(k) or ACCELERATORS[math.random(1, #ACCELERATORS)]
          local i = intensity()
          if ref.kind(i, h, t) then
            list[#list + 1] = { h = h, t = t, i = i, name = { fr = ("I = %s FLOP/octet, de %s à %s"):format(fmt(i, "fr"), said(h, "fr"), said(t, "fr")),
                                                             en = ("I = %s FLOPs/byte, from %s to %s"):format(fmt(i), said(h), said(t)) } }
          end
        end
        return usine.cases(ctx, list, function(c) return s.ratio_kind(c.i, arg(c.h), arg(c.t)), ref.kind(c.i, c.h, c.t) end, { classes = true })
      end,
    },
    {
      id = "partition",
      title = { fr = "Le temps sur une partition entière", en = "The time on a whole partition" },
      points = 2,
      hint = { fr = "Chaque accélérateur fournit sa part de son plafond ; ils travaillent ensemble ; des TFLOP/s aux FLOP/s.",
               en = "Each accelerator delivers its share of its ceiling; they work together; from TFLOP/s to FLOP/s." },
      run = function(s, ctx)
        local list = {}
        for k = 1, 16 do
          local m = k % 2 == 0 and gpu(k) or ACCELERATORS[math.random(1, #ACCELERATORS)]
          local flops, i, f, n = math.random(1, 999) * 10 ^ math.random(15, 22), intensity(), math.random(5, 90) / 100, math.random(1, 16384)
          list[#list + 1] = { m = m, flops = flops, i = i, f = f, n = n, name = {
            fr = ("%s FLOP à I = %s sur %d × %s, à %s du plafond"):format(fmt(flops, "fr"), fmt(i, "fr"), n, said(m, "fr"), fmt(f, "fr")),
            en = ("%s FLOPs at I = %s on %d × %s, at %s of the ceiling"):format(fmt(flops), fmt(i), n, said(m), fmt(f)) } }
        end
        return usine.cases(ctx, list, function(c) return s.partition_s(c.flops, c.i, c.f, arg(c.m), c.n), ref.partition_s(c.flops, c.i, c.f, c.m, c.n) end, { unit = "s" })
      end,
    },
    {
      id = "this-computer",
      title = { fr = "Cet ordinateur, extrapolé", en = "This computer, extrapolated" },
      points = 3,
      hint = { fr = "Les mêmes fonctions, sur des mesures : l'étalonnage d'abord, puis l'extrapolation à la même part du plafond.",
               en = "The same functions on measurements: calibration first, then extrapolation at the same share of the ceiling." },
      run = function(s, ctx)
        local m = this_computer()
        local fr, en = here_words(m)
        local list = {}
        for _, k in ipairs(m.kernels) do
          -- each kernel in its own precision: this computer and the accelerators at that peak
          local H = { name = m.name, peak_tflops = k.fp64 and m.peak64_tflops or m.peak_tflops, bandwidth_tbs = m.bandwidth_tbs }
          local targets = k.fp64 and FACTORIES64 or ACCELERATORS
          local p = k.fp64 and "fp64" or "fp32"
          list[#list + 1] = { what = "fraction", k = k, h = H, name = { fr = ("%s (%s), part du plafond"):format(k.name, p), en = ("%s (%s), share of the ceiling"):format(k.name, p) } }
          for _, t in ipairs(targets) do
            list[#list + 1] = { what = "time", k = k, h = H, t = t, name = { fr = ("%s (%s) extrapolé à un %s (%s)"):format(k.name, p, t.name, t.where),
                                                                         en = ("%s (%s) extrapolated to one %s (%s)"):format(k.name, p, t.name, t.where) } }
          end
          local a = targets[1]   -- Jean Zay's whole H100 partition, 10¹⁸ FLOPs of this kernel
          list[#list + 1] = { what = "partition", k = k, h = H, t = a, name = { fr = ("10¹⁸ FLOP de %s sur les %d %s de %s"):format(k.name, a.gpus, a.name, a.where),
                                                                              en = ("10¹⁸ FLOPs of %s on the %d %s of %s"):format(k.name, a.gpus, a.name, a.where) } }
        end
        local share, words = usine.cases(ctx, list, function(c)
          local f = ref.fraction(c.k.gflops, c.k.i, c.h)
          if c.what == "fraction" then return s.roofline_fraction(c.k.gflops, c.k.i, arg(c.h)), f end
          if c.what == "time" then return s.extrapolate_s(c.k.seconds, c.k.i, arg(c.h), arg(c.t)), ref.extrapolate(c.k.seconds, c.k.i, c.h, c.t) end
          local got_f = s.roofline_fraction(c.k.gflops, c.k.i, arg(c.h))
          if type(got_f) ~= "number" then return got_f, ref.partition_s(1e18, c.k.i, f, c.t, c.t.gpus) end
          return s.partition_s(1e18, c.k.i, got_f, arg(c.t), c.t.gpus), ref.partition_s(1e18, c.k.i, f, c.t, c.t.gpus)
        end, { slip = function(c, got, want)
          if c.what == "time" then return peak_slip(got, want, c.k.seconds, c.k.i, c.h, c.t) end
        end })
        if share ~= true then
          return share, { fr = fr .. ". " .. words.fr, en = en .. ". " .. words.en, exam = { fr = fr .. ". " .. words.exam.fr, en = en .. ". " .. words.exam.en } }
        end
        local g, tr, t, ar = m.kernels[1], m.kernels[2], ACCELERATORS[1], FACTORIES64[#FACTORIES64]
        local ratio = ref.attainable(g.i, t) / ref.attainable(g.i, m)
        local H64 = { peak_tflops = m.peak64_tflops, bandwidth_tbs = m.bandwidth_tbs }
        local r2 = ref.attainable(tr.i, FACTORIES64[1]) / ref.attainable(tr.i, H64)
        local r3 = ref.attainable(tr.i, ar) / ref.attainable(tr.i, H64)
        return true, {
          fr = ("%s. Le sgemm mesuré ici atteint %s %% du plafond de cet ordinateur ; à la même part du sien, un %s l'exécuterait %s fois plus vite (le rapport des crêtes fp32), et la triade %s fois (celui des bandes passantes) ; un %s d'Alice Recoque, %s fois."):format(
            fr, fmt(100 * ref.fraction(g.gflops, g.i, m), "fr"), t.name, fmt(ratio, "fr"), fmt(r2, "fr"), ar.name, fmt(r3, "fr")),
          en = ("%s. The sgemm measured here reaches %s %% of this computer's ceiling; at the same share of its own, an %s would run it %s times faster (the ratio of the fp32 peaks), and the triad %s times (that of the bandwidths); an %s of Alice Recoque, %s times."):format(
            en, fmt(100 * ref.fraction(g.gflops, g.i, m)), t.name, fmt(ratio), fmt(r2), ar.name, fmt(r3)) }
      end,
    },
  },
}
