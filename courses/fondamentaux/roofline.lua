-- Exercise 2: arithmetic intensity and the roofline.
-- Concepts: FLOPs against bytes moved, arithmetic intensity, ridge point, compute-bound or
-- memory-bound, for GEMM, matrix-vector and element-wise operations.
-- Difficulty 2, 35 minutes. Platform: Jean Zay (H100 partition).
-- The checks try the student's functions on the accelerators of six presets (H100, A100, V100,
-- MI250X, MI300A, MI430X) in every precision they have, and on this computer: its single-precision
-- peak (usine.kernels.cpu) and its STREAM triad bandwidth (usine.kernels.stream), measured once per
-- submission inside the grading process and passed to the student's functions as arguments, so the
-- grade never depends on the machine. Where the kernels cannot run, fixed numbers stand in for them
-- and the check's message says so.

local sources = {
  { usine.platform("jean-zay"), "h100" }, { usine.platform("jean-zay"), "a100" },
  { usine.platform("jean-zay"), "v100" }, { usine.platform("frontier"), "mi250x" },
  { usine.platform("el-capitan"), "mi300a" }, { usine.platform("alice-recoque"), "gpu" },
}

-- Bytes per element of each precision (tf32 is stored as fp32).
local BYTES = { fp64 = 8, fp32 = 4, tf32 = 4, fp16 = 2, bf16 = 2, fp8 = 1 }
local PRECISIONS = { "fp64", "fp32", "bf16", "fp16", "fp8" }

-- One "machine" per accelerator and precision: what the student's functions receive.
local machines = {}
for _, src in ipairs(sources) do
  local acc = src[1]:partition(src[2]).accelerator
  for _, prec in ipairs(PRECISIONS) do
    local peak = acc.peak_tflops[prec]
    if peak and peak > 0 then
      machines[#machines + 1] = {
        name = ("%s (%s)"):format(acc.name, prec),
        peak_tflops = peak, bandwidth_tbs = acc.memory_tbs, bytes = BYTES[prec],
      }
    end
  end
end

local OPS = { "gemm", "gemv", "axpy" }
local SIZES = { 16, 100, 512, 1000, 2048, 4096, 16384 }

-- The reference formulas (FLOPs over the minimal traffic) are the teacher's: reference/roofline.lua,
-- which is not installed.
local ref = usine.reference("roofline")
local intensity, ridge, bound, min_gemm_n = ref.intensity, ref.ridge, ref.bound, ref.min_gemm_n

-- As many sizes and machines drawn from the grading seed as fixed ones, and more: an exam's cases
-- differ from practice's, so a table of answers harvested in practice stays below the pass mark.
for i = 1, 9 do SIZES[#SIZES + 1] = i % 2 == 1 and math.random(17, 999) or math.random(1001, 12000) end
for i = 1, #machines do
  local b = ({ 1, 2, 4, 8 })[math.random(1, 4)]
  machines[#machines + 1] = { name = ("X%d (%s)"):format(i, ({ [1] = "fp8", [2] = "bf16", [4] = "fp32", [8] = "fp64" })[b]),   -- made up
                              peak_tflops = math.random(5, 3000), bandwidth_tbs = math.random(5, 90) / 10, bytes = b }
end

local function fmt(x, lang) return usine.num(x, { lang = lang, sig = 6, trim = true }) end
-- This computer, measured once per submission (the kernels only run inside checks).
local measure = usine.reference("here")
local here
local function this_computer()
  if here then return here end
  local ok, cpu = pcall(usine.kernels.cpu)
  local ok2, st = false, nil
  if ok and type(cpu) == "table" then ok2, st = measure.stream(cpu) end
  if ok and ok2 and usine.finite(cpu.peak_gflops) and cpu.peak_gflops > 0 and usine.finite(st.triad) and st.triad > 0 then
    here = { name = cpu.model, peak_tflops = cpu.peak_gflops / 1000, bandwidth_tbs = st.triad / 1000, bytes = 4,
             measured = true, busy = st.busy, cpu_share = st.cpu_share }
  else
    -- Stand-in figures (a laptop-class CPU): used only where the kernels cannot run.
    here = { name = "CPU", peak_tflops = 0.5, bandwidth_tbs = 0.05, bytes = 4, measured = false }
  end
  return here
end

local function here_words(m)
  local function fmt(x, lang) return usine.num(x, { lang = lang, sig = 4, trim = true }) end
  local what = ("%s : crête fp32 %s GFLOP/s, triade STREAM %s Go/s, point d'équilibre %s FLOP/octet"):format(
    m.name, fmt(m.peak_tflops * 1000, "fr"), fmt(m.bandwidth_tbs * 1000, "fr"), fmt(ridge(m), "fr"))
  local what_en = ("%s: fp32 peak %s GFLOP/s, STREAM triad %s GB/s, ridge point %s FLOPs/byte"):format(
    m.name, fmt(m.peak_tflops * 1000), fmt(m.bandwidth_tbs * 1000), fmt(ridge(m)))
  if not m.measured then
    what = what .. " (chiffres de remplacement : les noyaux ne peuvent pas tourner ici)"
    what_en = what_en .. " (stand-in figures: the kernels cannot run here)"
  elseif m.busy then
    local busy = measure.busy_words(m.cpu_share or 0, { fr = "les débits mesurés", en = "the measured rates" })
    what, what_en = what .. busy.fr, what_en .. busy.en
  end
  return what, what_en
end

return {
  id = "roofline",
  title = { fr = "Intensité arithmétique et modèle roofline", en = "Arithmetic intensity and the roofline" },
  text = {
    fr = [[
# Intensité arithmétique et modèle roofline

Un calcul coûte des **opérations** (FLOP) et des **octets** à faire venir de la mémoire. Son
**intensité arithmétique** est leur rapport : `I = FLOP / octets`, en FLOP par octet.

Le **modèle roofline** (Williams, Waterman et Patterson, *Communications of the ACM*, 2009) dit
qu'un calcul ne peut pas aller plus vite que le plus bas de deux plafonds : la crête de calcul de
la puce, et ce que la mémoire peut lui livrer, `I × bande passante`.

```
atteignable = min(crête, I × bande passante)
équilibre   I* = crête / bande passante
```

`I*` est le **point d'équilibre** (*ridge point*) ; des TFLOP/s divisés par des To/s donnent des
FLOP par octet. Sous `I*`, le calcul est **limité par la mémoire** (*memory-bound*) : les unités
de calcul attendent les données. Au-dessus (ou à égalité), il est **limité par le calcul**
(*compute-bound*).

## Trois opérations

On compte le trafic minimal : chaque opérande lu une fois, le résultat écrit une fois, `b` octets
par élément (8 en fp64, 4 en fp32, 2 en bf16 ou fp16, 1 en fp8).

Le GEMM `C = A·B` sur des matrices `n × n` : chacun des `n²` éléments de `C` est une somme de
`n` produits, une multiplication et une addition par terme, soit `2n³` FLOP ; on lit `A` et `B`
et on écrit `C`, soit `3n²·b` octets ; donc `I = 2n / (3b)`.

Comptez de la même façon le **GEMV** `y = A·x` (`A` de `n × n`, `x` et `y` de `n`) et l'**AXPY**
`y = a·x + y` (vecteurs de `n`). Seul le GEMM voit son intensité croître avec `n` : chaque élément
chargé y sert `n` fois.

## Un exemple chiffré

Un H100 SXM fait 989 TFLOP/s en bf16 et lit sa HBM3 à 3,35 To/s : `I* = 989 / 3,35 ≈ 295` FLOP
par octet. Un GEMM bf16 avec `n = 4096` a `I = 8192 / 6 ≈ 1365` : il est limité par le calcul. Un
GEMV de même taille a `I ≈ 1` : au mieux 3,35 TFLOP/s, soit 0,34 % de la crête. Un GEMM devient
limité par le calcul dès que `2n / (3b) ≥ I*`, ici dès `n = 886`.

Un processeur d'ordinateur portable fait quelques centaines de GFLOP/s en fp32 pour quelques
dizaines de Go/s : son point d'équilibre est bien plus bas, autour de 10 FLOP par octet.

## À faire

Une « machine » `m` est une table `{ peak_tflops = …, bandwidth_tbs = …, bytes = … }` : crête en
TFLOP/s dans une précision, bande passante mémoire en To/s, octets par élément dans cette
précision. `op` vaut `"gemm"`, `"gemv"` ou `"axpy"`. Écrivez :

1. `intensity(op, n, bytes)` : l'intensité arithmétique, en FLOP par octet ;
2. `attainable_tflops(intensity, peak_tflops, bandwidth_tbs)` : la performance atteignable selon le
   roofline, en TFLOP/s ;
3. `bound(op, n, m)` : `"compute"` si l'opération est limitée par le calcul sur la machine `m`
   (intensité au moins égale au point d'équilibre), sinon `"memory"` ;
4. `min_gemm_n(m)` : le plus petit entier `n` pour lequel un GEMM `n × n` est limité par le calcul
   sur `m`.

Elles seront essayées sur les accélérateurs de Jean Zay (H100, A100, V100), de Frontier (MI250X),
d'El Capitan (MI300A) et d'Alice Recoque (MI430X), dans chaque précision qu'ils offrent, sur autant
d'accélérateurs inventés (X1, X2…, tirés à chaque correction), puis sur **cet ordinateur** : sa crête fp32 et sa bande passante sont mesurées pendant la correction
(`usine.kernels`) et données à vos fonctions. Pour les voir vous-même : `usine bench stream` et
`usine bench ladder`.

Sources : fichiers `jean-zay.xml`, `frontier.xml`, `el-capitan.xml` et `alice-recoque.xml` d'Usine
(les crêtes du MI430X y sont des hypothèses, non publiées) ; fiches techniques NVIDIA H100, A100,
V100 et AMD Instinct MI250X, MI300A ; S. Williams, A. Waterman, D. Patterson, « Roofline: an
insightful visual performance model for multicore architectures », CACM 52(4), 2009 ;
J. McCalpin, STREAM.
]],
    en = [[
# Arithmetic intensity and the roofline

A computation costs **operations** (FLOPs) and **bytes** to bring from memory. Its **arithmetic
intensity** is their ratio: `I = FLOPs / bytes`, in FLOPs per byte.

The **roofline model** (Williams, Waterman and Patterson, *Communications of the ACM*, 2009) says
that a computation cannot run faster than the lower of two ceilings: the chip's compute peak, and
what memory can feed it, `I × bandwidth`.

```
attainable = min(peak, I × bandwidth)
ridge      I* = peak / bandwidth
```

`I*` is the **ridge point**; TFLOP/s divided by TB/s gives FLOPs per byte. Below `I*`, the
computation is **memory-bound**: the compute units wait for data. Above it (or at it), it is
**compute-bound**.

## Three operations

Count the minimal traffic: each operand read once, the result written once, `b` bytes per element
(8 in fp64, 4 in fp32, 2 in bf16 or fp16, 1 in fp8).

GEMM `C = A·B` on `n × n` matrices: each of the `n²` elements of `C` is a sum of `n` products,
one multiply and one add per term, so `2n³` FLOPs; `A` and `B` are read and `C` is written, so
`3n²·b` bytes; hence `I = 2n / (3b)`.

Count **GEMV** `y = A·x` (`A` is `n × n`, `x` and `y` have `n` elements) and **AXPY**
`y = a·x + y` (`n`-vectors) the same way. Only GEMM's intensity grows with `n`: each element
loaded is used `n` times there.

## A worked example

An H100 SXM does 989 TFLOP/s in bf16 and reads its HBM3 at 3.35 TB/s: `I* = 989 / 3.35 ≈ 295`
FLOPs per byte. A bf16 GEMM with `n = 4096` has `I = 8192 / 6 ≈ 1365`: compute-bound. A GEMV of
the same size has `I ≈ 1`: at best 3.35 TFLOP/s, 0.34 % of the peak. A GEMM becomes compute-bound
as soon as `2n / (3b) ≥ I*`, here from `n = 886`.

A laptop CPU does a few hundred GFLOP/s in fp32 for a few tens of GB/s: its ridge point is much
lower, around 10 FLOPs per byte.

## Your task

A "machine" `m` is a table `{ peak_tflops = ..., bandwidth_tbs = ..., bytes = ... }`: the peak in
TFLOP/s in one precision, the memory bandwidth in TB/s, the bytes per element in that precision.
`op` is `"gemm"`, `"gemv"` or `"axpy"`. Write:

1. `intensity(op, n, bytes)`: the arithmetic intensity, in FLOPs per byte;
2. `attainable_tflops(intensity, peak_tflops, bandwidth_tbs)`: the attainable performance according
   to the roofline, in TFLOP/s;
3. `bound(op, n, m)`: `"compute"` if the operation is compute-bound on machine `m` (intensity at
   least the ridge point), else `"memory"`;
4. `min_gemm_n(m)`: the smallest whole `n` for which an `n × n` GEMM is compute-bound on `m`.

They will be tried on the accelerators of Jean Zay (H100, A100, V100), Frontier (MI250X),
El Capitan (MI300A) and Alice Recoque (MI430X), in every precision they offer, on as many made-up
accelerators (X1, X2, ..., drawn at each grading), then on **this computer**: its fp32 peak and its bandwidth are measured during grading (`usine.kernels`) and
given to your functions. To see them yourself: `usine bench stream` and `usine bench ladder`.

Sources: Usine's `jean-zay.xml`, `frontier.xml`, `el-capitan.xml` and `alice-recoque.xml` (the
MI430X peaks there are assumptions, not published); NVIDIA H100, A100, V100 and AMD Instinct
MI250X, MI300A datasheets; S. Williams, A. Waterman, D. Patterson, "Roofline: an insightful visual
performance model for multicore architectures", CACM 52(4), 2009; J. McCalpin, STREAM.
]],
  },
  concepts = {
    fr = { "intensité arithmétique", "modèle roofline", "point d'équilibre", "limité par la mémoire", "limité par le calcul" },
    en = { "arithmetic intensity", "roofline model", "ridge point", "memory-bound", "compute-bound" },
  },
  difficulty = 2,
  minutes = 35,
  platform = "jean-zay",
  scenario = { partition = "h100" },
  -- What a submission may use of usine. Nothing of usine: the functions take numbers and tables; usine.kernels is the exercise's.
  allow = {},
  -- STREAM starts one OpenMP thread per logical CPU: leave CPU time for big machines.
  limits = { seconds = 30 },
  starter = [[
-- Exercice 2 : intensité arithmétique et roofline / Exercise 2: arithmetic intensity and the roofline
-- op : "gemm", "gemv" ou/or "axpy" ; m = { peak_tflops = 989, bandwidth_tbs = 3.35, bytes = 2 }

-- FLOP par octet / FLOPs per byte
function intensity(op, n, bytes)
  return 0
end

-- TFLOP/s
function attainable_tflops(intensity, peak_tflops, bandwidth_tbs)
  return 0
end

-- "compute" ou/or "memory"
function bound(op, n, m)
  return "memory"
end

function min_gemm_n(m)
  return 1
end
]],
  checks = {
    {
      id = "intensity",
      title = { fr = "Intensité de GEMM, GEMV et AXPY", en = "Intensity of GEMM, GEMV and AXPY" },
      points = 3,
      hint = { fr = "Comptez les FLOP (une multiplication et une addition par terme), puis les octets : chaque opérande lu une fois, le résultat écrit une fois.",
               en = "Count the FLOPs (one multiply and one add per term), then the bytes: each operand read once, the result written once." },
      run = function(s, ctx)
        local list = {}
        for _, op in ipairs(OPS) do
          for _, n in ipairs(SIZES) do
            for _, b in ipairs({ 1, 2, 4, 8 }) do
              list[#list + 1] = { op = op, n = n, b = b,
                                  name = { fr = ("%s, n = %d, %d octet(s) par élément"):format(op, n, b),
                                           en = ("%s, n = %d, %d byte(s) per element"):format(op, n, b) } }
            end
          end
        end
        return usine.cases(ctx, list, function(c) return s.intensity(c.op, c.n, c.b), intensity(c.op, c.n, c.b) end, {
          unit = { fr = "FLOP/octet", en = "FLOPs/byte" },
          slip = function(c, got)
            if type(got) ~= "number" then return nil end
            local n, b = c.n, c.b
            if c.op == "gemm" and usine.near(got, 2 * n / (2 * b), 0.01) then
              return { fr = "seuls A et B sont comptés : C = A·B est écrit aussi, 3n² éléments en tout",
                       en = "only A and B are counted: C = A·B is written too, 3n² elements in all" }
            end
            if c.op ~= "axpy" and usine.near(got, intensity(c.op, n, b) / 2, 0.01) then
              return { fr = "un terme coûte deux FLOP, une multiplication et une addition",
                       en = "each term costs two FLOPs, a multiply and an add" }
            end
            if b > 1 and usine.near(got, intensity(c.op, n, b) * b, 0.01) then
              return { fr = "des FLOP par élément, pas par octet : divisez par b",
                       en = "FLOPs per element, not per byte: divide by b" }
            end
          end,
        })
      end,
    },
    {
      id = "attainable",
      title = { fr = "Performance atteignable", en = "Attainable performance" },
      points = 2,
      hint = { fr = "Deux plafonds : la crête, et ce que la mémoire livre par seconde multiplié par les FLOP faits sur chaque octet.",
               en = "Two ceilings: the peak, and what memory delivers per second times the FLOPs done on each byte." },
      run = function(s, ctx)
        local list = {}
        for _, m in ipairs(machines) do
          local r = ridge(m)
          local is = { 0.25, r / 10, r / 2, r * 2, r * 10, 5000 }
          for _ = 1, 6 do is[#is + 1] = r * (0.05 + 20 * math.random() ^ 2) end
          for _, i in ipairs(is) do
            list[#list + 1] = { m = m, i = i, name = { fr = ("%s, I = %s FLOP/octet"):format(m.name, fmt(i, "fr")),
                                                       en = ("%s, I = %s FLOPs/byte"):format(m.name, fmt(i)) } }
          end
        end
        return usine.cases(ctx, list, function(c)
          return s.attainable_tflops(c.i, c.m.peak_tflops, c.m.bandwidth_tbs), ref.attainable(c.i, c.m.peak_tflops, c.m.bandwidth_tbs)
        end, { unit = "TFLOP/s" })
      end,
    },
    {
      id = "bound",
      title = { fr = "Limité par le calcul ou par la mémoire", en = "Compute-bound or memory-bound" },
      points = 3,
      hint = { fr = "Comparez l'intensité de l'opération au point d'équilibre de la machine, crête / bande passante (les unités s'accordent : TFLOP/s sur To/s).",
               en = "Compare the operation's intensity with the machine's ridge point, peak / bandwidth (the units agree: TFLOP/s over TB/s)." },
      run = function(s, ctx)
        local list = {}
        for _, m in ipairs(machines) do
          for _, op in ipairs(OPS) do
            for _, n in ipairs(SIZES) do
              local i, r = intensity(op, n, m.bytes), ridge(m)
              if math.abs(i - r) > 1e-9 * r then   -- a tie could fairly go either way
                list[#list + 1] = { m = m, op = op, n = n,
                                    name = { fr = ("%s, %s avec n = %d"):format(m.name, op, n), en = ("%s, %s with n = %d"):format(m.name, op, n) } }
              end
            end
          end
        end
        return usine.cases(ctx, list, function(c)
          local m = c.m
          return s.bound(c.op, c.n, { peak_tflops = m.peak_tflops, bandwidth_tbs = m.bandwidth_tbs, bytes = m.bytes }), bound(c.op, c.n, m)
        end, { classes = true })
      end,
    },
    {
      id = "min-n",
      title = { fr = "Plus petit GEMM limité par le calcul", en = "Smallest compute-bound GEMM" },
      points = 2,
      hint = { fr = "Résolvez l'inégalité « intensité du GEMM ≥ point d'équilibre » en n, puis arrondissez au bon entier.",
               en = "Solve the inequality \"GEMM intensity ≥ ridge point\" for n, then round to the right whole number." },
      run = function(s, ctx)
        local list = {}
        for _, m in ipairs(machines) do
          list[#list + 1] = { m = m, name = { fr = ("%s (I* = %s FLOP/octet)"):format(m.name, fmt(ridge(m), "fr")),
                                              en = ("%s (I* = %s FLOPs/byte)"):format(m.name, fmt(ridge(m))) } }
        end
        return usine.cases(ctx, list, function(c)
          local want, close = min_gemm_n(c.m)
          local got = s.min_gemm_n({ peak_tflops = c.m.peak_tflops, bandwidth_tbs = c.m.bandwidth_tbs, bytes = c.m.bytes })
          if close and type(got) == "number" and math.abs(got - want) <= 1 then want = got end   -- rounding may go either way
          return got, want
        end, { exact = true })
      end,
    },
    {
      id = "this-computer",
      title = { fr = "Le roofline de cet ordinateur", en = "This computer's roofline" },
      points = 2,
      hint = { fr = "Les mêmes fonctions, avec d'autres chiffres : un processeur a un point d'équilibre bien plus bas qu'un GPU. Vérifiez qu'aucune valeur d'accélérateur n'est écrite en dur.",
               en = "The same functions with other figures: a CPU has a much lower ridge point than a GPU. Check that no accelerator figure is hard-coded." },
      run = function(s, ctx)
        local m = this_computer()
        local fr, en = here_words(m)
        local arg = { peak_tflops = m.peak_tflops, bandwidth_tbs = m.bandwidth_tbs, bytes = m.bytes }
        local list = {}
        for _, op in ipairs(OPS) do
          for _, n in ipairs({ 4, 8, 16, 64, 256, 1024 }) do
            list[#list + 1] = { op = op, n = n, what = "attainable",
                                name = { fr = ("%s avec n = %d, TFLOP/s atteignables"):format(op, n), en = ("%s with n = %d, attainable TFLOP/s"):format(op, n) } }
          end
        end
        list[#list + 1] = { what = "min-n", name = { fr = "plus petit GEMM limité par le calcul", en = "smallest compute-bound GEMM" } }
        local share, said = usine.cases(ctx, list, function(c)
          if c.what == "attainable" then
            local i = intensity(c.op, c.n, m.bytes)
            return s.attainable_tflops(s.intensity(c.op, c.n, m.bytes), m.peak_tflops, m.bandwidth_tbs), ref.attainable(i, m.peak_tflops, m.bandwidth_tbs)
          end
          local want, close = min_gemm_n(m)
          local got = s.min_gemm_n(arg)
          if close and type(got) == "number" and math.abs(got - want) <= 1 then want = got end
          return got, want
        end)
        if share ~= true then
          return share, { fr = fr .. ". " .. said.fr, en = en .. ". " .. said.en,
                          exam = { fr = fr .. ". " .. said.exam.fr, en = en .. ". " .. said.exam.en } }
        end
        return true, { fr = fr, en = en }
      end,
    },
  },
}
