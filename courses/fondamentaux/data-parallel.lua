-- Exercise 8: data parallelism, and when the gradient reduction stops hiding behind the backward pass.
-- Concepts: the per-GPU share of a node's NICs, the ring all-reduce of the gradients, the backward
-- pass as the window that hides it, the overlap model of sim/train.c (exposed = max(t / L, t - window)),
-- the smallest micro-batch that hides the reduction.
-- Difficulty 3, 40 minutes. Platform: Jean Zay (IDRIS/GENCI), H100 partition.
-- Expected values come from the platform files and from usine.predict's breakdown (dp_total_s, dp_s)
-- on Jean Zay H100 and A100, Selene and the classroom, for several models, dp and micro-batches.
-- The plans put one whole node in each model replica (tp = GPUs per node, pp = 1, ZeRO 0), so that
-- each data-parallel group has one GPU per node and the model reduces it with a flat ring.

local jz = usine.platform("jean-zay")
local sel = usine.platform("selene")
local cl = usine.platform("classroom")

local function fmt(x, lang) return usine.num(x, { lang = lang, sig = 6, trim = true }) end
local function ms(x, lang) return usine.num(x * 1e3, { lang = lang, sig = 4, trim = true }) .. " ms" end

-- The reference computations (reference/data-parallel.lua, not installed).
local ref = usine.reference("data-parallel")
local share = ref.share

local nic_cases = {}
for _, name in ipairs(usine.platforms()) do
  if name ~= "local" then
    local p = usine.platform(name)
    for _, id in ipairs(p:partitions()) do
      if p:partition(id).accelerator then nic_cases[#nic_cases + 1] = { p = p, id = id, want = share(p, id) } end
    end
  end
end

-- Drawn cases outnumber the fixed ones in every check (answers harvested in practice do not carry
-- into an exam). For the NIC share: made-up nodes, which answer p.id and p:partition(id) as a
-- platform does.
local made = usine.reference("made-up")
for i = 1, #nic_cases do
  local c = nic_cases[i]
  local p = made.platform(c.p, ("%s-x%d"):format(c.p.id, i), function(part)
    part.gpus_per_node = ({ 1, 2, 4, 6, 8 })[math.random(1, 5)]
    part.node.nics = math.random(1, 8)
    part.node.nic_gbit_s = ({ 100, 200, 400, 800 })[math.random(1, 4)]
    part.network.eff_bandwidth = math.random(60, 95) / 100
  end)
  local id = c.id
  nic_cases[#nic_cases + 1] = { p = p, id = id, want = share(p, id) }
end

-- One plan: tp = GPUs per node, pp = 1, ZeRO 0, overlap on.
local function plan(p, id, model, dp, mbs)
  local g = p:partition(id).gpus_per_node
  return usine.predict { platform = p, partition = id, model = model, gpus = dp * g, tp = g,
                         gbs = dp * mbs * 4, mbs = mbs, precision = "fp16" }
end

-- Gradient reduction against the model: bytes = fp16 gradients of one GPU, alpha between nodes
-- from usine.collective, bandwidth = the NIC share.
local ar_cases = {}
for _, k in ipairs({ { jz, "h100", "megatron-1.7b", 8 }, { jz, "h100", "llama2-7b", 64 }, { jz, "a100", "megatron-3.6b", 16 },
                     { sel, "a100", "megatron-7.5b", 128 }, { cl, "gpu", "megatron-3.6b", 2 } }) do
  local p, id, model, dp = k[1], k[2], k[3], k[4]
  local r = plan(p, id, model, dp, 1)
  local g = p:partition(id).gpus_per_node
  local c = usine.collective { platform = p, partition = id, op = "broadcast", gpus = dp * g, bytes = 1 }
  ar_cases[#ar_cases + 1] = { where = ("%s/%s, %s, dp = %d (tp = %d)"):format(p.id, id, model, dp, g),
                              bytes = 2 * r.params_per_gpu, dp = dp, alpha = c.alpha_inter_s, bw = share(p, id),
                              want = r.breakdown.dp_total_s }
end
-- and a few by the formula alone
-- (one of them drawn from the grading seed)
for _, k in ipairs({ { 1e9, 1, 1e-6, 1e10 }, { 5e8, 4, 2e-6, 2.5e10 }, { 3e9, 1000, 3e-6, 5e10 },
                     { math.random(1, 400) * 1e7, math.random(2, 512), math.random(1, 9) * 1e-6, math.random(5, 50) * 1e9 },
                     { math.random(1, 400) * 1e7, math.random(2, 512), math.random(1, 9) * 1e-6, math.random(5, 50) * 1e9 },
                     { math.random(1, 400) * 1e7, math.random(2, 512), math.random(1, 9) * 1e-6, math.random(5, 50) * 1e9 },
                     { math.random(1, 400) * 1e7, math.random(2, 512), math.random(1, 9) * 1e-6, math.random(5, 50) * 1e9 },
                     { math.random(1, 400) * 1e7, math.random(2, 512), math.random(1, 9) * 1e-6, math.random(5, 50) * 1e9 },
                     { math.random(1, 400) * 1e7, math.random(2, 512), math.random(1, 9) * 1e-6, math.random(5, 50) * 1e9 },
                     { math.random(1, 400) * 1e7, math.random(2, 512), math.random(1, 9) * 1e-6, math.random(5, 50) * 1e9 } }) do
  ar_cases[#ar_cases + 1] = { where = "formula", bytes = k[1], dp = k[2], alpha = k[3], bw = k[4],
                              want = ref.allreduce(k[2], k[1], k[3], k[4]) }
end

local bwd_cases = {
  { params = 7e9, tokens = 4096, tflops = 500 },
  { params = usine.params("megatron-1.7b") / 4, tokens = 2048, tflops = 989 * 0.585 },   -- the text's example
  { params = 1.75e11, tokens = 2048 * 8, tflops = 312 * 0.635 },
}
for _ = 1, 5 do
  bwd_cases[#bwd_cases + 1] = { params = math.random(5, 900) * 1e8, tokens = 1024 * math.random(1, 16), tflops = math.random(50, 900) }
end
for _, c in ipairs(bwd_cases) do c.want = ref.backward(c.params, c.tokens, c.tflops) end

-- The model's backward window for one sequence: with mbs = 1 and the reduction longer than the
-- window, predict's dp_s = dp_total_s - window. Cases where mbs = 1 already hides it are left out.
local windows = {}
for _, k in ipairs({ { jz, "h100", "megatron-1.7b", 8 }, { jz, "a100", "megatron-1.7b", 8 }, { sel, "a100", "megatron-7.5b", 16 },
                     { cl, "gpu", "megatron-3.6b", 8 }, { cl, "gpu", "llama2-7b", 8 }, { jz, "h100", "llama2-7b", 16 } }) do
  local p, id, model, dp = k[1], k[2], k[3], k[4]
  local r = plan(p, id, model, dp, 1)
  local b, L = r.breakdown, usine.model(model).layers
  if b.dp_s > b.dp_total_s / L * (1 + 1e-6) then
    windows[#windows + 1] = { p = p, id = id, model = model, dp = dp, L = L, t_ar = b.dp_total_s,
                              w1 = b.dp_total_s - b.dp_s,
                              where = ("%s/%s, %s, dp = %d"):format(p.id, id, model, dp) }
  end
end
assert(#windows >= 4, "data-parallel: too few plans whose reduction shows at mbs = 1")

-- Exposed time against the model, for micro-batches 1 to 8 (both regimes).
local exp_cases = {}
for _, w in ipairs(windows) do
  for _, mbs in ipairs({ 1, 2, 4, 8 }) do
    local r = plan(w.p, w.id, w.model, w.dp, mbs)
    local b = r.breakdown
    -- the model's backward window at this micro-batch: what it hides when it cannot hide it all
    -- (a larger micro-batch fills the GPU better, so the window is not exactly mbs times w1)
    local t_bwd = b.dp_s > b.dp_total_s / w.L * (1 + 1e-9) and b.dp_total_s - b.dp_s or mbs * w.w1
    if t_bwd >= b.dp_total_s - b.dp_s - 1e-12 then
      exp_cases[#exp_cases + 1] = { where = ("%s, mbs = %d"):format(w.where, mbs), t_ar = b.dp_total_s,
                                    t_bwd = t_bwd, L = w.L, want = b.dp_s }
    end
  end
end
for _, k in ipairs({ { 0.1, 0.05, 10 }, { 0.1, 0.2, 10 }, { 0.3, 0.29, 30 }, { 0.02, 0.001, 2 } }) do
  exp_cases[#exp_cases + 1] = { where = "formula", t_ar = k[1], t_bwd = k[2], L = k[3], want = ref.exposed(k[1], k[2], k[3]) }
end
for _ = 1, #exp_cases + 2 do   -- drawn from the grading seed
  local t_ar, t_bwd, L = math.random(10, 90) / 1000, math.random(1, 120) / 1000, math.random(2, 96)
  exp_cases[#exp_cases + 1] = { where = "formula", t_ar = t_ar, t_bwd = t_bwd, L = L, want = ref.exposed(t_ar, t_bwd, L) }
end

-- Smallest micro-batch that hides the reduction, checked against predict at that size.
local min_batch = ref.min_batch
local mb_cases = {}
for _, w in ipairs(windows) do
  local b = min_batch(w.t_ar, w.w1, w.L)
  local at = plan(w.p, w.id, w.model, w.dp, b).breakdown
  local before = b > 1 and plan(w.p, w.id, w.model, w.dp, b - 1).breakdown or nil
  local agrees = usine.near(at.dp_s, at.dp_total_s / w.L, 1e-6) and (not before or before.dp_s > before.dp_total_s / w.L * (1 + 1e-6))
  if agrees then
    mb_cases[#mb_cases + 1] = { where = w.where, t_ar = w.t_ar, w1 = w.w1, L = w.L, want = b,
                                exposed = at.dp_s, before = before and before.dp_s or nil }
  end
end
mb_cases[#mb_cases + 1] = { where = "formula", t_ar = 0.05, w1 = 0.06, L = 24, want = 1 }
mb_cases[#mb_cases + 1] = { where = "formula", t_ar = 0.5, w1 = 0.01, L = 50, want = 49 }
for _ = 1, #mb_cases + 2 do   -- drawn from the grading seed
  local t_ar, w1, L = math.random(20, 400) / 1000, math.random(2, 30) / 1000, math.random(12, 96)
  mb_cases[#mb_cases + 1] = { where = "formula", t_ar = t_ar, w1 = w1, L = L, want = min_batch(t_ar, w1, L) }
end
assert(#mb_cases >= 5, "data-parallel: usine.predict disagrees with the overlap model")

return {
  id = "data-parallel",
  title = { fr = "Parallélisme de données : cacher la réduction des gradients",
            en = "Data parallelism: hiding the gradient reduction" },
  text = {
    fr = [[
# Parallélisme de données : cacher la réduction des gradients

En **parallélisme de données**, `dp` répliques du modèle traitent chacune une part du lot, puis
font la somme de leurs gradients par un **all-reduce** avant le pas de l'optimiseur. Cette
communication ne coûte rien si elle se fait **pendant** la rétropropagation : les gradients sortent
couche par couche, de la dernière à la première, et on réduit chaque paquet (*bucket*) dès qu'il est
prêt (PyTorch DDP, Megatron-LM). Elle se voit quand elle dure plus longtemps que la
rétropropagation qui la cache.

## Le débit d'un GPU vers l'extérieur

Prenons des répliques d'un nœud entier (parallélisme de tenseur `tp` = GPU par nœud) : le groupe
de données d'un GPU a alors un GPU par nœud, et le modèle d'Usine le réduit en anneau entre nœuds.
Tous les GPU d'un nœud réduisent **en même temps** (un groupe par rang local) : ils se partagent
les cartes réseau du nœud. Chacun dispose de sa part `B`
du débit que le réseau soutient vraiment (une fraction du débit nominal des cartes), en octets/s :
à vous de l'écrire. Dans l'API : `part.node.nics`, `part.node.nic_gbit_s`, `part.network.eff_bandwidth`,
`part.gpus_per_node`. Jean Zay H100 : 4 cartes NDR de 400 Gb/s à 90 % pour 4 GPU, soit 45 Go/s par
GPU ; Jean Zay A100 : 4 cartes Omni-Path de 100 Gb/s à 80 % pour 8 GPU, soit **5 Go/s** par GPU.

## Le temps de la réduction

C'est l'anneau de l'exercice précédent, sur `S` octets de gradients (en fp16 : 2 octets par paramètre
du GPU ; en bf16, Megatron les réduit en fp32, 4 octets), `α` la latence entre nœuds (`alpha_inter_s`
de `usine.collective`) :

```
t_ar = 2 (dp − 1) × (α + S / (dp × B))
```

Il ne dépend presque pas de `dp` : il tend vers `2 S / B`.

## La fenêtre : la rétropropagation

Un premier ordre de grandeur : la rétropropagation fait deux fois le travail de la passe avant,
soit `4 × N × T` FLOP pour `N` paramètres et `T` jetons (sur les `6 N T` du pas entier, la règle
6ND de l'exercice 5) :

```
t_bwd ≈ 4 × N × T / (débit soutenu en FLOP/s)
```

C'est une **borne inférieure** : le modèle d'Usine compte aussi l'attention, les passes limitées
par la mémoire et les all-reduce du parallélisme de tenseur. Pour Megatron 1.7B sur Jean Zay H100
(tp = 4, soit N = 1,65 × 10⁹ / 4 = 4,13 × 10⁸ paramètres par GPU ; 1 séquence de T = 2048 jetons ;
58,5 % de la crête bf16 de 989 TFLOP/s, soit 579 TFLOP/s soutenus), la formule donne
4 × 4,13 × 10⁸ × 2048 / 5,79 × 10¹⁴ = 5,85 ms ; le modèle, 11,0 ms.

## Ce qui reste visible

Avec l'accumulation de gradients sur plusieurs micro-lots, seule la rétropropagation du **dernier**
micro-lot peut cacher la réduction : les autres n'ont pas encore tous leurs gradients. Le modèle
d'Usine (`sim/train.c`) compte ainsi, pour `L` couches par GPU :

- la part de la dernière couche calculée, `t_ar / L`, ne part qu'à la fin : elle est toujours
  visible ;
- le reste, `t_ar × (1 − 1/L)`, se cache derrière la rétropropagation, dans la limite de `t_bwd`.

La forme des manuels, `max(0, t_ar − t_bwd)`, oublie la première règle.

`usine.predict` le donne dans `breakdown.dp_s`, à côté de `breakdown.dp_total_s` (la réduction
entière). La réduction est aussi cachée qu'elle peut l'être quand `t_ar × (1 − 1/L) ≤ t_bwd`.

Exemple : Megatron 1.7B sur Jean Zay H100, dp = 8, tp = 4 : t_ar = 32,1 ms, et la fenêtre du
modèle vaut 11,0 ms pour une séquence, un peu moins par séquence dans un micro-lot plus grand, qui
remplit mieux le GPU (30,6 ms pour 3). Avec 1 séquence, 21,1 ms restent visibles ; il faut des
micro-lots de **4** séquences (plus de 30,8 ms) pour n'en laisser que t_ar / 24 = 1,3 ms. À
lot global fixé, chaque réplique reçoit `lot / dp` séquences : augmenter `dp` finit par rendre la
réduction visible. C'est la limite du parallélisme de données.

## À faire

Temps en secondes, tailles en octets, débits en octets/s.

1. `nic_share(p, id)` : le débit `B` d'un GPU de la partition `id` de la plateforme `p` quand tous
   les GPU du nœud communiquent ;
2. `allreduce_time(bytes, dp, alpha, bw)` : la réduction en anneau sur `dp` GPU ;
3. `backward_time(params, tokens, tflops)` : l'estimation `4 N T` à `tflops` TFLOP/s soutenus ;
4. `exposed_comm(t_ar, t_bwd, layers)` : la part visible de la réduction, comme la compte le modèle ;
5. `min_batch_hidden(t_ar, t_bwd_seq, layers)` : le plus petit nombre entier de séquences par
   micro-lot (au moins 1) dont la rétropropagation, `t_bwd_seq` par séquence, cache la réduction.

Les vérifications essaient toutes les partitions des préréglages, puis comparent à `usine.predict`
(`dp_total_s`, `dp_s`) sur Jean Zay H100 et A100, Selene et la salle de classe, pour plusieurs
modèles, `dp` et micro-lots. Pour ces comparaisons, elles vous donnent la fenêtre **du modèle**
(lue dans `usine.predict`), pas votre estimation.

Sources : S. Li et al., « PyTorch Distributed: Experiences on Accelerating Data Parallel Training »,
VLDB 2020 (paquets de gradients et recouvrement) ; D. Narayanan et al., SC'21 (Megatron-LM) ; cartes
et réseaux : `jean-zay.xml`, `selene.xml`, `classroom.xml`, `networks.csv` (Omni-Path 100, InfiniBand
HDR et NDR).
]],
    en = [[
# Data parallelism: hiding the gradient reduction

In **data parallelism**, `dp` replicas of the model each process a share of the batch, then sum
their gradients with an **all-reduce** before the optimizer step. That communication costs nothing
if it happens **during** the backward pass: gradients come out layer by layer, from the last to the
first, and each bucket is reduced as soon as it is ready (PyTorch DDP, Megatron-LM). It shows when
it lasts longer than the backward pass that hides it.

## One GPU's bandwidth to the outside

Take replicas of one whole node (tensor parallelism `tp` = GPUs per node): a GPU's data-parallel
group then has one GPU per node, and Usine's model reduces it with a ring between nodes. All the
GPUs of a node reduce **at the same time** (one group per local rank): they share the node's NICs.
Each one gets its share `B` of
what the network really sustains (a fraction of the cards' nominal rate), in bytes/s: yours to
write. In the API: `part.node.nics`, `part.node.nic_gbit_s`, `part.network.eff_bandwidth`,
`part.gpus_per_node`. Jean Zay H100: 4 NDR cards of 400 Gb/s at 90 % for 4 GPUs, so 45 GB/s per GPU;
Jean Zay A100: 4 Omni-Path cards of 100 Gb/s at 80 % for 8 GPUs, so **5 GB/s** per GPU.

## The time of the reduction

It is the previous exercise's ring, over `S` bytes of gradients (in fp16: 2 bytes per parameter of the
GPU; in bf16 Megatron reduces them in fp32, 4 bytes), `α` the latency between nodes (`alpha_inter_s`
from `usine.collective`):

```
t_ar = 2 (dp − 1) × (α + S / (dp × B))
```

It hardly depends on `dp`: it tends to `2 S / B`.

## The window: the backward pass

A first order of magnitude: the backward pass does twice the forward pass's work, that is
`4 × N × T` FLOPs for `N` parameters and `T` tokens (out of the whole step's `6 N T`, the 6ND rule
of exercise 5):

```
t_bwd ≈ 4 × N × T / (sustained FLOP/s)
```

It is a **lower bound**: Usine's model also counts attention, memory-bound passes and the
tensor-parallel all-reduces. For Megatron 1.7B on Jean Zay H100 (tp = 4, so N = 1.65 × 10⁹ / 4 =
4.13 × 10⁸ parameters per GPU; 1 sequence of T = 2048 tokens; 58.5 % of the 989 TFLOP/s bf16
peak, that is 579 TFLOP/s sustained), the formula gives 4 × 4.13 × 10⁸ × 2048 / 5.79 × 10¹⁴ =
5.85 ms; the model, 11.0 ms.

## What stays visible

With gradient accumulation over several micro-batches, only the backward pass of the **last**
micro-batch can hide the reduction: the others do not have all their gradients yet. Usine's model
(`sim/train.c`) counts it this way, for `L` layers per GPU:

- the share of the last layer computed, `t_ar / L`, can only leave at the end: it is always
  visible;
- the rest, `t_ar × (1 − 1/L)`, hides behind the backward pass, up to `t_bwd`.

The textbook form, `max(0, t_ar − t_bwd)`, forgets the first rule.

`usine.predict` gives it in `breakdown.dp_s`, beside `breakdown.dp_total_s` (the whole reduction).
The reduction is as hidden as it can be when `t_ar × (1 − 1/L) ≤ t_bwd`.

Example: Megatron 1.7B on Jean Zay H100, dp = 8, tp = 4: t_ar = 32.1 ms, and the model's window is
11.0 ms for one sequence, a little less per sequence in a larger micro-batch, which fills the GPU
better (30.6 ms for 3). With 1 sequence, 21.1 ms stay visible; micro-batches of **4** sequences (over
30.8 ms) leave only t_ar / 24 = 1.3 ms. At a fixed global batch, each replica gets `batch / dp`
sequences, so raising `dp` ends up exposing the reduction. That is the limit of data parallelism.

## Your task

Times in seconds, sizes in bytes, bandwidths in bytes/s.

1. `nic_share(p, id)`: the bandwidth `B` of one GPU of partition `id` of platform `p` when every GPU
   of the node communicates;
2. `allreduce_time(bytes, dp, alpha, bw)`: the ring reduction over `dp` GPUs;
3. `backward_time(params, tokens, tflops)`: the `4 N T` estimate at `tflops` sustained TFLOP/s;
4. `exposed_comm(t_ar, t_bwd, layers)`: the visible part of the reduction, as the model counts it;
5. `min_batch_hidden(t_ar, t_bwd_seq, layers)`: the smallest whole number of sequences per
   micro-batch (at least 1) whose backward pass, `t_bwd_seq` per sequence, hides the reduction.

The checks try every partition of the presets, then compare with `usine.predict` (`dp_total_s`,
`dp_s`) on Jean Zay H100 and A100, Selene and the classroom, for several models, `dp` and
micro-batches. For those comparisons they give you **the model's** window (read from
`usine.predict`), not your estimate.

Sources: S. Li et al., "PyTorch Distributed: Experiences on Accelerating Data Parallel Training",
VLDB 2020 (gradient buckets and overlap); D. Narayanan et al., SC'21 (Megatron-LM); cards and
networks: `jean-zay.xml`, `selene.xml`, `classroom.xml`, `networks.csv` (Omni-Path 100, InfiniBand
HDR and NDR).
]],
  },
  concepts = {
    fr = { "parallélisme de données", "part des cartes réseau", "all-reduce des gradients", "recouvrement", "micro-lot" },
    en = { "data parallelism", "share of the NICs", "gradient all-reduce", "overlap", "micro-batch" },
  },
  difficulty = 3,
  minutes = 40,
  platform = "jean-zay",
  scenario = { partition = "h100" },
  -- What a submission may use of usine. The partition's NICs; not usine.predict (dp_total_s, dp_s) nor usine.collective.
  allow = { "platform:partition" },
  starter = [[
-- Exercice 8 : parallélisme de données / Exercise 8: data parallelism
-- Temps en s, tailles en octets, débits en octets/s.
-- Times in s, sizes in bytes, bandwidths in bytes/s.

function nic_share(p, id)
  local part = p:partition(id)
  return 0
end

function allreduce_time(bytes, dp, alpha, bw)
  return nil
end

function backward_time(params, tokens, tflops)
  return 0
end

function exposed_comm(t_ar, t_bwd, layers)
  return t_ar
end

function min_batch_hidden(t_ar, t_bwd_seq, layers)
  return nil
end
]],
  checks = {
    {
      id = "nic-share",
      title = { fr = "Débit réseau d'un GPU", en = "One GPU's network bandwidth" },
      points = 2,
      hint = { fr = "Le nœud a plusieurs cartes ; un débit en Gb/s devient des octets/s ; le réseau n'en tient qu'une fraction ; et tous les GPU du nœud se les partagent.",
               en = "The node has several cards; a rate in Gb/s becomes bytes/s; the network sustains only a fraction; and every GPU of the node shares them." },
      run = function(s, ctx)
        local list = {}
        for _, c in ipairs(nic_cases) do list[#list + 1] = { c = c, name = ("%s/%s"):format(c.p.id, c.id) } end
        return usine.cases(ctx, list, function(k) return s.nic_share(k.c.p, k.c.id), k.c.want end, {
          unit = { fr = "octets/s", en = "bytes/s" },
          slip = function(k, got)
            if type(got) ~= "number" then return nil end
            local part = k.c.p:partition(k.c.id)
            if usine.near(got, k.c.want * part.gpus_per_node, 0.01) then
              return { fr = "c'est le débit du nœud entier : ses GPU se le partagent", en = "that is the whole node's rate: its GPUs share it" }
            end
            if part.network.eff_bandwidth < 0.99 and usine.near(got, k.c.want / part.network.eff_bandwidth, 0.01) then
              return { fr = "le réseau ne soutient qu'une fraction du débit nominal (eff_bandwidth)",
                       en = "the network sustains only a fraction of the nominal rate (eff_bandwidth)" }
            end
          end })
      end,
    },
    {
      id = "allreduce",
      title = { fr = "La réduction des gradients, selon usine.predict", en = "The gradient reduction, as usine.predict counts it" },
      points = 3,
      hint = { fr = "L'anneau de l'exercice précédent : 2 (dp − 1) pas d'une tranche de bytes / dp. Un seul GPU n'a rien à réduire.",
               en = "The previous exercise's ring: 2 (dp − 1) steps of a chunk of bytes / dp. A single GPU has nothing to reduce." },
      run = function(s, ctx)
        local list = {}
        for _, c in ipairs(ar_cases) do
          list[#list + 1] = { c = c, name = {
            fr = ("%s : %s octets, dp = %d, α = %s s, B = %s o/s"):format(c.where == "formula" and "formule" or c.where, fmt(c.bytes, "fr"), c.dp, fmt(c.alpha, "fr"), fmt(c.bw, "fr")),
            en = ("%s: %s bytes, dp = %d, α = %s s, B = %s B/s"):format(c.where, fmt(c.bytes), c.dp, fmt(c.alpha), fmt(c.bw)) } }
        end
        return usine.cases(ctx, list, function(k) return s.allreduce_time(k.c.bytes, k.c.dp, k.c.alpha, k.c.bw), k.c.want end, {
          unit = "s", abs = 1e-15,
          slip = function(k, got)
            local c = k.c
            if type(got) == "number" and c.dp > 1 and usine.near(got, (c.dp - 1) * (c.alpha + c.bytes / (c.dp * c.bw)), 0.01) then
              return { fr = "la moitié de l'anneau : après le reduce-scatter, l'all-gather fait encore dp − 1 pas",
                       en = "half the ring: after the reduce-scatter, the all-gather takes dp − 1 more steps" }
            end
          end })
      end,
    },
    {
      id = "backward",
      title = { fr = "Estimation de la rétropropagation", en = "Estimate of the backward pass" },
      points = 1,
      hint = { fr = "6 N T FLOP pour un pas, dont un tiers pour la passe avant ; des TFLOP/s aux FLOP/s.",
               en = "6 N T FLOPs per step, a third of them for the forward pass; from TFLOP/s to FLOP/s." },
      run = function(s, ctx)
        local list = {}
        for _, c in ipairs(bwd_cases) do
          list[#list + 1] = { c = c, name = { fr = ("N = %s, T = %s, %s TFLOP/s"):format(fmt(c.params, "fr"), fmt(c.tokens, "fr"), fmt(c.tflops, "fr")),
                                              en = ("N = %s, T = %s, %s TFLOP/s"):format(fmt(c.params), fmt(c.tokens), fmt(c.tflops)) } }
        end
        return usine.cases(ctx, list, function(k) return s.backward_time(k.c.params, k.c.tokens, k.c.tflops), k.c.want end, {
          unit = "s",
          slip = function(k, got)
            if type(got) ~= "number" then return nil end
            if usine.near(got, k.c.want * 1.5, 0.01) then
              return { fr = "6 N T est le pas entier : la passe avant en prend un tiers", en = "6 N T is the whole step: the forward pass takes a third of it" }
            end
            if usine.near(got, k.c.want / 2, 0.01) then
              return { fr = "2 N T est la passe avant : la rétropropagation en fait deux fois plus", en = "2 N T is the forward pass: the backward does twice as much" }
            end
          end })
      end,
    },
    {
      id = "exposed",
      title = { fr = "La part visible, selon usine.predict", en = "The visible part, as usine.predict counts it" },
      points = 3,
      hint = { fr = "Une part de la réduction ne peut jamais se cacher ; le reste se cache, mais pas au-delà de la durée de la rétropropagation.",
               en = "One part of the reduction can never hide; the rest hides, but not beyond the length of the backward pass." },
      run = function(s, ctx)
        local list = {}
        for _, c in ipairs(exp_cases) do
          list[#list + 1] = { c = c, name = {
            fr = ("%s : t_ar = %s, t_bwd = %s, %d couches"):format(c.where == "formula" and "formule" or c.where, ms(c.t_ar, "fr"), ms(c.t_bwd, "fr"), c.L),
            en = ("%s: t_ar = %s, t_bwd = %s, %d layers"):format(c.where, ms(c.t_ar), ms(c.t_bwd), c.L) } }
        end
        return usine.cases(ctx, list, function(k)
          local c = k.c
          return s.exposed_comm(c.t_ar, c.t_bwd, c.L), c.want, {
            { value = ref.exposed_textbook(c.t_ar, c.t_bwd), credit = 0.5,
              fr = "c'est max(0, t_ar − t_bwd), la forme des manuels : la part de la dernière couche, t_ar / L, reste toujours visible",
              en = "that is max(0, t_ar − t_bwd), the textbook form: the last layer's share, t_ar / L, always stays visible" } }
        end, { unit = "s", abs = 1e-15 })
      end,
    },
    {
      id = "min-batch",
      title = { fr = "Le plus petit micro-lot qui cache la réduction", en = "The smallest micro-batch that hides the reduction" },
      points = 3,
      hint = { fr = "La fenêtre grandit avec le nombre de séquences du micro-lot ; cherchez le premier entier pour lequel elle couvre la part cachable.",
               en = "The window grows with the number of sequences in the micro-batch; find the first whole number for which it covers the part that can hide." },
      run = function(s, ctx)
        local list = {}
        for _, c in ipairs(mb_cases) do
          list[#list + 1] = { c = c, name = {
            fr = ("%s : t_ar = %s, %s par séquence, %d couches"):format(c.where == "formula" and "formule" or c.where, ms(c.t_ar, "fr"), ms(c.w1, "fr"), c.L),
            en = ("%s: t_ar = %s, %s per sequence, %d layers"):format(c.where, ms(c.t_ar), ms(c.w1), c.L) } }
        end
        return usine.cases(ctx, list, function(k) return s.min_batch_hidden(k.c.t_ar, k.c.w1, k.c.L), k.c.want end, {
          exact = true,
          slip = function(k, got)
            local c = k.c
            if type(got) == "number" and got == math.max(1, math.ceil(c.t_ar / c.w1)) and got ~= c.want then
              return { fr = "la part de la dernière couche, t_ar / L, ne se cache jamais : seul le reste doit tenir dans la fenêtre",
                       en = "the last layer's share, t_ar / L, never hides: only the rest has to fit in the window" }
            end
          end })
      end,
    },
  },
}
