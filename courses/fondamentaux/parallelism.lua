-- Exercise 9: tensor, pipeline and data parallelism; choosing a plan.
-- Concepts: tp x pp x dp = GPUs and the constraints of each axis, the 1F1B pipeline bubble and its
-- interleaved version as sim/train.c counts them, memory and recomputation, a plan search with
-- usine.predict (passed to the student's search as a function bound to the case) compared with
-- usine.plan's best.
-- Difficulty 4, 50 minutes. Platform: Selene (NVIDIA), 384 A100 as in Narayanan et al. (SC'21).
-- The bubble is checked against the formula and against usine.predict's breakdown; the plan the
-- student's search returns must be valid, fit in memory and be within 3 % of usine.plan's best, on
-- Selene (GPT-3 175B), on Jean Zay's A100 partition (same model, slower network) and on Jean Zay's
-- H100 partition (Llama 3 70B), so that a plan typed in for one case fails the others.

local sel = usine.platform("selene")
local jz = usine.platform("jean-zay")

local function fmt(x, lang) return usine.num(x, { lang = lang, sig = 6, trim = true }) end
local function show(x, lang) return type(x) == "number" and fmt(x, lang) or type(x) end

local TOLERANCE = 0.03
local ref = usine.reference("parallelism")

-- The bubble: the formula on chosen inputs, and the share of the pipeline's time that
-- usine.predict counts as bubble on real plans (within 5 %: first and last stages carry more).
local bubble_cases = {}
local formula = { { 1, 8, 1 }, { 4, 8, 1 }, { 8, 32, 1 }, { 8, 32, 2 }, { 12, 384, 1 }, { 16, 64, 4 }, { 2, 1, 1 } }
for _ = 1, 14 do formula[#formula + 1] = { math.random(2, 32), math.random(1, 512), math.random(1, 4) } end   -- drawn from the grading seed
for _, k in ipairs(formula) do
  bubble_cases[#bubble_cases + 1] = { pp = k[1], m = k[2], v = k[3], want = ref.bubble(k[1], k[2], k[3]),
                                      rel = 1e-9, where = "formula" }
end
for _, k in ipairs({ { 4, 1, 192 }, { 8, 2, 192 }, { 12, 1, 1536 }, { 16, 2, 384 }, { 8, 4, 768 } }) do
  local r = usine.predict { platform = sel, model = "gpt3-175b", gpus = 384, gbs = k[3], tp = 8, pp = k[1], vpp = k[2],
                            mbs = 1, recompute = "full" }
  local b = r.breakdown
  bubble_cases[#bubble_cases + 1] = { pp = k[1], m = r.micro_batches, v = k[2], rel = 0.05,
                                      want = b.bubble_s / (b.compute_s + b.tp_s + b.cp_s + b.bubble_s),
                                      where = ("selene, gpt3-175b, tp = 8, pp = %d, vpp = %d, gbs = %d"):format(k[1], k[2], k[3]) }
end

-- Plans: usine.plan's best for each case, computed once here.
local function case(p, part, model, gpus, gbs)
  -- flash, seq_parallel, cp and the overlap at their defaults, as the student's search leaves them;
  -- the fastest plan that fits for sure (a plan at the memory limit is not one the student may give)
  local best
  for _, q in ipairs(usine.plan { platform = p, partition = part, model = model, gpus = gpus, gbs = gbs, top = 100,
                                  cp = 1, seq_parallel = false, flash = false, dp_overlap = true }.plans) do
    if q.fits then best = q break end
  end
  assert(best, "parallelism: usine.plan finds no plan for " .. model)
  return { p = p, part = part, model = model, gpus = gpus, gbs = gbs, best = best,
           where = ("%s/%s, %s, %d GPU, gbs = %d"):format(p.id, part, model, gpus, gbs),
           where_en = ("%s/%s, %s, %d GPUs, gbs = %d"):format(p.id, part, model, gpus, gbs) }
end
local main_case = case(sel, "a100", "gpt3-175b", 384, 1536)
-- Elsewhere: two cases drawn from the grading seed (a machine, a model, a size and a batch), so
-- that a plan learnt by heart in practice does not carry into an exam.
local elsewhere = {
  { jz, "a100", "gpt3-175b", { 256, 384 }, { 1024, 1536 } },
  { jz, "h100", "llama3-70b", { 256, 512, 1024 }, { 512, 1024, 2048 } },
  { jz, "h100", "llama3-8b", { 64, 128, 256 }, { 256, 512, 1024 } },
  { sel, "a100", "megatron-18.4b", { 128, 256, 512 }, { 512, 1024 } },
  { jz, "a100", "llama2-7b", { 64, 128, 256 }, { 256, 512 } },
}
local other_cases = {}
for _ = 1, 2 do
  local k = table.remove(elsewhere, math.random(1, #elsewhere))
  other_cases[#other_cases + 1] = case(k[1], k[2], k[3], k[4][math.random(1, #k[4])], k[5][math.random(1, #k[5])])
end

local function describe(b)
  return ("tp = %s, pp = %s, vpp = %s, mbs = %s, zero = %s, recompute = %s"):format(
    show(b.tp), show(b.pp), show(b.vpp or 1), show(b.mbs or 1), show(b.zero or 0), type(b.recompute) == "string" and b.recompute or "none")
end

-- The predict options of a plan for a case (flash, seq_parallel, cp and precision at their defaults).
local function plan_opts(c, plan)
  return { platform = c.p, partition = c.part, model = c.model, gpus = c.gpus, gbs = c.gbs,
           tp = plan.tp, pp = plan.pp, vpp = plan.vpp, mbs = plan.mbs, zero = plan.zero, recompute = plan.recompute }
end

-- What the student's search gets instead of usine.predict: a function of one plan for this case,
-- which calls usine.predict (a check's function, run as the check's code even when the submission
-- calls it), reduced to what choosing needs; an invalid plan raises usine.predict's error.
local function predictor(c)
  return function(plan)
    if type(plan) ~= "table" then error(("predict: a table { tp = ..., pp = ..., ... } expected, got %s"):format(type(plan)), 0) end
    local ok, r = pcall(usine.predict, plan_opts(c, plan))
    if not ok then error(tostring(r), 0) end
    return { step_s = r.step_s, fits = r.memory.fits, memory_gib = r.memory.total_gib, capacity_gib = r.memory.capacity_gib }
  end
end

-- Grade one case: nil when the student's plan is valid, fits and is within TOLERANCE of the best.
local function try_plan(s, c)
  local ok, plan = pcall(s.choose_plan, c.p, c.part, usine.model(c.model), c.gpus, c.gbs, predictor(c))
  if not ok then
    return { fr = ("%s : choose_plan a échoué : %s"):format(c.where, tostring(plan)),
             en = ("%s: choose_plan failed: %s"):format(c.where_en, tostring(plan)) }
  end
  if type(plan) ~= "table" then
    return { fr = ("%s : une table { tp = …, pp = …, … } attendue, reçu %s"):format(c.where, type(plan)),
             en = ("%s: expected a table { tp = ..., pp = ..., ... }, got %s"):format(c.where_en, type(plan)) }
  end
  local good, r = pcall(usine.predict, plan_opts(c, plan))
  if not good then
    return { fr = ("%s : usine.predict refuse votre plan (%s) : %s"):format(c.where, describe(plan), tostring(r)),
             en = ("%s: usine.predict refuses your plan (%s): %s"):format(c.where_en, describe(plan), tostring(r)) }
  end
  if not r.memory.fits then
    return { fr = ("%s : votre plan (%s) ne tient pas en mémoire : %s Gio par GPU pour %s Gio disponibles"):format(c.where, describe(plan), usine.num(r.memory.total_gib, { lang = "fr", decimals = 1 }), usine.num(r.memory.capacity_gib, { lang = "fr", decimals = 1 })),
             en = ("%s: your plan (%s) does not fit in memory: %.1f GiB per GPU for %.1f GiB available"):format(c.where_en, describe(plan), r.memory.total_gib, r.memory.capacity_gib) }
  end
  if r.step_s > c.best.step_s * (1 + TOLERANCE) then
    return { fr = ("%s : votre plan (%s) fait un pas en %s s, %s %% de plus que le meilleur plan de usine.plan (%s s) ; l'écart admis est de %s %% au plus"):format(
               c.where, describe(plan), usine.num(r.step_s, { lang = "fr", decimals = 2 }), usine.num((r.step_s / c.best.step_s - 1) * 100, { lang = "fr", decimals = 0 }), usine.num(c.best.step_s, { lang = "fr", decimals = 2 }), usine.num(TOLERANCE * 100, { lang = "fr", decimals = 0 })),
             en = ("%s: your plan (%s) takes %.2f s per step, %.0f %% more than usine.plan's best plan (%.2f s); the gap allowed is at most %.0f %%"):format(
               c.where_en, describe(plan), r.step_s, (r.step_s / c.best.step_s - 1) * 100, c.best.step_s, TOLERANCE * 100) }
  end
  return nil
end

return {
  id = "parallelism",
  title = { fr = "Tenseur, pipeline, données : choisir un plan", en = "Tensor, pipeline, data: choosing a plan" },
  text = {
    fr = [[
# Tenseur, pipeline, données : choisir un plan

GPT-3 175B ne tient sur aucun GPU : 174,6 milliards de paramètres × 16 octets = 2,8 To d'états
d'entraînement. Il faut le **découper**, et il y a trois façons de le faire, que Megatron-LM combine
(Narayanan et al., SC'21) :

- le **parallélisme de tenseur** (`tp`) coupe chaque matrice de chaque couche entre `tp` GPU
  (Shoeybi et al., 2019). Il coûte deux all-reduce des activations par couche dans la passe avant et
  deux dans la rétropropagation : on le garde **dans un nœud**, sur NVLink ;
- le **parallélisme de pipeline** (`pp`) donne à chaque GPU une tranche de couches, un **étage** ;
  le lot est coupé en **micro-lots** qui traversent les étages à la suite ;
- le **parallélisme de données** (`dp`) fait des copies de tout cela, qui réduisent leurs gradients
  (exercice précédent), avec ou sans ZeRO.

On a toujours `GPU = tp × pp × dp`. Chaque GPU garde environ `1 / (tp × pp)` des poids (ZeRO divise
encore par `dp` ce qu'il répartit).

## Ce que vérifie Usine

`usine.predict` refuse un plan invalide et dit pourquoi :

- `tp` divise le nombre de GPU d'un nœud et le nombre de têtes d'attention ;
- `pp × vpp` divise le nombre de couches ;
- le lot global `gbs` (en séquences) est un multiple de `dp × mbs` ; chaque réplique traite
  `m = gbs / (dp × mbs)` micro-lots de `mbs` séquences par pas ;
- l'ordonnancement entrelacé (`vpp > 1`) demande `pp > 1` et `m` multiple de `pp` ;
- ZeRO 2 et 3 ne se combinent pas avec le pipeline (`pp > 1`) : `zero` vaut alors 0 ou 1.

## La bulle du pipeline

Avec l'ordonnancement 1F1B (une passe avant, une rétropropagation), le pipeline se remplit puis se
vide : pendant `pp − 1` temps d'étage, des GPU attendent. Sur `m` micro-lots, la part perdue est :

```
bulle = (pp − 1) / (m + pp − 1)
```

Avec l'**entrelacement**, chaque GPU porte `v` étages virtuels plus petits (des couches non
contiguës ; `vpp` dans l'API) : le remplissage et la vidange durent `v` fois moins, au prix de
`v` fois plus d'envois entre étages (à vous d'en tirer la part de bulle).
Le modèle d'Usine (`sim/train.c`) compte la bulle ainsi : `(pp − 1) / v` temps d'étage moyens, à
côté de `m` temps d'étage au rythme de l'étage le plus lent. Le premier et le dernier étage portent aussi le plongement et la couche de sortie : la part
que donne `usine.predict` (`breakdown.bubble_s` sur `bubble_s + compute_s + tp_s + cp_s`) reste à
quelques pour cent de la formule.

## Mémoire et recalcul

Si un plan ne tient pas, on peut **recalculer** au lieu de garder : `recompute = "selective"` ne
garde pas les scores d'attention et refait le cœur de l'attention dans la rétropropagation ;
`"full"` ne garde que l'entrée de chaque couche et refait toute sa passe avant (environ un tiers de
calcul en plus). `usine.predict` donne `memory.fits` et `memory.total_gib` par GPU.

## Un exemple : le plan de l'article

Narayanan et al. ont entraîné GPT-3 175B sur 384 A100 de Selene avec `tp = 8`, `pp = 12`,
`dp = 4`, `mbs = 1`, lot de 1536 séquences et recalcul complet :

```lua
local r = usine.predict {
  platform = "selene", model = "gpt3-175b",
  gpus = 384, gbs = 1536, tp = 8, pp = 12,
  mbs = 1, recompute = "full" }
-- r.step_s, r.mfu, r.memory.fits,
-- r.breakdown.bubble_s
```

`m = 1536 / (4 × 1) = 384` micro-lots : bulle = 11 / 395 = 2,8 %. Le modèle prédit 76,7 s par pas,
35 Gio par GPU, un MFU de 37 % (et 153 TFLOP/s par GPU en comptant le recalcul, ce que mesurait
l'article). Peut-on faire mieux avec les mêmes 384 GPU ?

## Chercher

Essayez toutes les combinaisons valides : `tp` parmi les puissances de 2 jusqu'au nombre de GPU par
nœud, `pp` parmi les diviseurs du nombre de couches, `mbs`, `vpp`, `zero` (0 à
3) et `recompute`.
Gardez ceux qui tiennent et le plus rapide. `usine.plan` fait cette recherche en C (`usine plan`
dans un terminal) : servez-vous-en pour comparer. Dans votre rendu, ni `usine.plan` ni
`usine.predict` ne sont disponibles (ils donneraient la réponse) : `choose_plan` reçoit en dernier
argument une fonction `predict(plan)`, que les vérifications construisent avec `usine.predict` pour
le cas essayé (plateforme, partition, modèle, GPU, lot). Elle prend une table
`{ tp = …, pp = …, vpp = …, mbs = …, zero = …, recompute = … }` et renvoie
`{ step_s = …, fits = …, memory_gib = …, capacity_gib = … }`, ou lève une erreur qui dit pourquoi
le plan est invalide : appelez-la dans un `pcall`. `flash`, `seq_parallel` et `precision` restent
à leurs valeurs par défaut.

## Où le modèle est faible : ZeRO-3

Le meilleur plan du modèle peut être un plan ZeRO-3 (`pp = 1`, `dp` grand, poids répartis) : au
moment d'écrire ces lignes, c'est celui que trouve `usine plan` pour Llama 3 70B sur 512 H100 de
Jean Zay, l'un des cas notés, et des plans ZeRO-3 sont en lice pour GPT-3 sur 384 A100. C'est
justement là que le modèle d'Usine est le moins fiable : `usine validate` le compare aux trois
entraînements ZeRO-3 publiés de GPT-3 175B sur Selene (Narayanan et al., SC'21, tableau 2 : 144, 88
et 44 TFLOP/s par GPU sur 384, 768 et 1536 A100 ; lignes `zero3-175b-384`, `-768`, `-1536`) et le
trouve trop optimiste, de +13 % à +67 % en TFLOP/s par GPU (11 à 40 % de jours en moins), l'écart
grandissant avec le nombre de GPU ; `usine validate --explain zero3-175b-768` détaille les termes.
La vérification compare votre plan au meilleur plan **du modèle** : un plan ZeRO-3 qu'il préfère de
peu à un plan avec pipeline ne serait pas forcément le meilleur sur la vraie machine.

## À faire

1. `bubble_fraction(pp, m, v)` : la part de bulle pour `pp` étages, `m` micro-lots et `v` étages
   virtuels par GPU ;
2. `min_micro_batches(pp, v, target)` : le plus petit nombre de micro-lots qui ramène la part de
   bulle à `target` au plus (entre 0 et 1), la question que se pose qui règle un pipeline ;
3. `choose_plan(p, partition, model, gpus, gbs, predict)` : pour la plateforme `p`, l'identifiant
   de la partition, le modèle (une table comme `usine.model("gpt3-175b")` : `layers`, `heads`…), le
   nombre de GPU, le lot global et la fonction `predict` ci-dessus, une table
   `{ tp = …, pp = …, vpp = …, mbs = …, zero = …, recompute = … }` (`vpp`, `zero`, `recompute`
   facultatifs : 1, 0, `"none"`). Le plan doit être valide, tenir en mémoire et faire un pas en au
   plus 3 % de plus que le meilleur plan de `usine.plan`.

La bulle est comparée à la formule et à `usine.predict` ; `choose_plan` est essayée sur 384 A100 de
Selene (GPT-3 175B, lot de 1536), puis sur 384 A100 de Jean Zay (même modèle, réseau Omni-Path
plus lent) et sur 512 H100 de Jean Zay avec Llama 3 70B (lot de 1024) : un plan écrit en dur pour
un cas ne passe pas les autres.

Sources : D. Narayanan et al., « Efficient Large-Scale Language Model Training on GPU Clusters Using
Megatron-LM », SC'21 (plans, ordonnancement entrelacé, bulle) ; M. Shoeybi et al., « Megatron-LM »,
2019 (parallélisme de tenseur) ; Y. Huang et al., « GPipe », NeurIPS 2019 ; V. Korthikanti et al.,
2022 (recalcul sélectif) ; S. Rajbhandari et al., SC'20 (ZeRO) ; `published-runs.csv`, `selene.xml`,
`jean-zay.xml`.
]],
    en = [[
# Tensor, pipeline, data: choosing a plan

GPT-3 175B fits on no GPU: 174.6 billion parameters × 16 bytes = 2.8 TB of training state. It must
be **split**, and there are three ways to do it, which Megatron-LM combines (Narayanan et al.,
SC'21):

- **tensor parallelism** (`tp`) splits every matrix of every layer across `tp` GPUs (Shoeybi et
  al., 2019). It costs two all-reduces of the activations per layer in the forward pass and two in
  the backward pass: it stays **inside a node**, on NVLink;
- **pipeline parallelism** (`pp`) gives each GPU a slice of the layers, a **stage**; the batch is cut
  into **micro-batches** that flow through the stages one after the other;
- **data parallelism** (`dp`) makes copies of all that, which reduce their gradients (previous
  exercise), with or without ZeRO.

Always `GPUs = tp × pp × dp`. Each GPU keeps about `1 / (tp × pp)` of the weights (ZeRO divides what
it shards by `dp` again).

## What Usine checks

`usine.predict` refuses an invalid plan and says why:

- `tp` divides the number of GPUs in a node and the number of attention heads;
- `pp × vpp` divides the number of layers;
- the global batch `gbs` (in sequences) is a multiple of `dp × mbs`; each replica processes
  `m = gbs / (dp × mbs)` micro-batches of `mbs` sequences per step;
- the interleaved schedule (`vpp > 1`) needs `pp > 1` and `m` a multiple of `pp`;
- ZeRO 2 and 3 do not combine with the pipeline (`pp > 1`): `zero` is then 0 or 1.

## The pipeline bubble

With the 1F1B schedule (one forward, one backward), the pipeline fills then drains: for `pp − 1`
stage times, GPUs wait. Over `m` micro-batches, the share lost is:

```
bubble = (pp − 1) / (m + pp − 1)
```

With **interleaving**, each GPU carries `v` smaller virtual stages (non-contiguous layers; `vpp` in
the API): filling and draining take `v` times less, at the price of `v` times more sends between
stages (the bubble's share is yours to derive).
Usine's model (`sim/train.c`) counts the bubble this way: `(pp − 1) / v` average stage times, beside `m` stage times at the pace of the slowest
stage. The first and last stages also carry the embedding and the output layer: the share that
`usine.predict` gives (`breakdown.bubble_s` over `bubble_s + compute_s + tp_s + cp_s`) stays within
a few percent of the formula.

## Memory and recomputation

If a plan does not fit, one can **recompute** instead of keeping: `recompute = "selective"` does not
keep the attention scores and redoes the attention core in the backward pass; `"full"` keeps only
each layer's input and redoes its whole forward pass (about a third more compute). `usine.predict`
gives `memory.fits` and `memory.total_gib` per GPU.

## An example: the paper's plan

Narayanan et al. trained GPT-3 175B on 384 A100s of Selene with `tp = 8`, `pp = 12`, `dp = 4`,
`mbs = 1`, a batch of 1536 sequences and full recomputation:

```lua
local r = usine.predict {
  platform = "selene", model = "gpt3-175b",
  gpus = 384, gbs = 1536, tp = 8, pp = 12,
  mbs = 1, recompute = "full" }
-- r.step_s, r.mfu, r.memory.fits,
-- r.breakdown.bubble_s
```

`m = 1536 / (4 × 1) = 384` micro-batches: bubble = 11 / 395 = 2.8 %. The model predicts 76.7 s per
step, 35 GiB per GPU, an MFU of 37 % (and 153 TFLOP/s per GPU counting recomputation, which is what
the paper measured). Can one do better with the same 384 GPUs?

## Searching

Try every valid combination: `tp` among the powers of 2 up to the GPUs per node, `pp` among the
divisors of the number of layers, `mbs`, `vpp`, `zero` (0 to 3) and
`recompute`. Keep those that
fit and the fastest. `usine.plan` does this search in C (`usine plan` in a terminal): use it to
compare. In your submission neither `usine.plan` nor `usine.predict` is available (they would give
the answer): `choose_plan` gets as its last argument a function `predict(plan)`, which the checks
build with `usine.predict` for the case being tried (platform, partition, model, GPUs, batch). It
takes a table `{ tp = ..., pp = ..., vpp = ..., mbs = ..., zero = ..., recompute = ... }` and
returns `{ step_s = ..., fits = ..., memory_gib = ..., capacity_gib = ... }`, or raises an error
that says why the plan is invalid: call it inside a `pcall`. `flash`, `seq_parallel` and
`precision` stay at their defaults.

## Where the model is weak: ZeRO-3

The model's best plan can be a ZeRO-3 plan (`pp = 1`, large `dp`, sharded weights): at the time of
writing, it is the one `usine plan` finds for Llama 3 70B on 512 of Jean Zay's H100s, one of the
graded cases, and ZeRO-3 plans are in the running for GPT-3 on 384 A100s. That is exactly where
Usine's model is least reliable: `usine validate` compares it with the three published ZeRO-3 runs
of GPT-3 175B on Selene (Narayanan et al., SC'21, Table 2: 144, 88 and 44 TFLOP/s per GPU on 384,
768 and 1536 A100s; rows `zero3-175b-384`, `-768`, `-1536`) and finds it too optimistic, by +13 %
to +67 % in TFLOP/s per GPU (11 to 40 % fewer days), the gap growing with the number of GPUs;
`usine validate --explain zero3-175b-768` shows the terms. The check compares your plan with the
**model's** best plan: a ZeRO-3 plan it prefers narrowly over a pipelined plan would not
necessarily be the best on the real machine.

## Your task

1. `bubble_fraction(pp, m, v)`: the bubble's share for `pp` stages, `m` micro-batches and `v`
   virtual stages per GPU;
2. `min_micro_batches(pp, v, target)`: the fewest micro-batches that bring the bubble's share down
   to `target` at most (between 0 and 1), the question whoever tunes a pipeline asks;
3. `choose_plan(p, partition, model, gpus, gbs, predict)`: for platform `p`, the partition's id,
   the model (a table like `usine.model("gpt3-175b")`: `layers`, `heads`...), the number of GPUs, the
   global batch and the `predict` function above, a table
   `{ tp = ..., pp = ..., vpp = ..., mbs = ..., zero = ..., recompute = ... }` (`vpp`, `zero`,
   `recompute` optional: 1, 0, `"none"`). The plan must be valid, fit in memory and take at most 3 %
   longer per step than `usine.plan`'s best plan.

The bubble is compared with the formula and with `usine.predict`; `choose_plan` is tried on 384
A100s of Selene (GPT-3 175B, batch of 1536), then on 384 of Jean Zay's A100s (same model, slower
Omni-Path network) and on 512 H100s of Jean Zay with Llama 3 70B (batch of 1024): a plan
hard-coded for one case does not pass the others.

Sources: D. Narayanan et al., "Efficient Large-Scale Language Model Training on GPU Clusters Using
Megatron-LM", SC'21 (plans, interleaved schedule, bubble); M. Shoeybi et al., "Megatron-LM", 2019
(tensor parallelism); Y. Huang et al., "GPipe", NeurIPS 2019; V. Korthikanti et al., 2022 (selective
recomputation); S. Rajbhandari et al., SC'20 (ZeRO); `published-runs.csv`, `selene.xml`,
`jean-zay.xml`.
]],
  },
  concepts = {
    fr = { "parallélisme de tenseur", "parallélisme de pipeline", "bulle 1F1B et entrelacement", "recalcul", "recherche de plan" },
    en = { "tensor parallelism", "pipeline parallelism", "1F1B bubble and interleaving", "recomputation", "plan search" },
  },
  difficulty = 4,
  minutes = 50,
  platform = "selene",
  scenario = { partition = "a100" },
  -- What a submission may use of usine. The partition's GPUs per node; not usine.plan (the best plan) nor usine.predict (the
  -- checks pass a predict(plan) function bound to the case).
  allow = { "platform:partition" },
  limits = { instructions = 1e8, seconds = 10 },
  starter = [[
-- Exercice 9 : choisir un plan / Exercise 9: choosing a plan

function bubble_fraction(pp, m, v)
  return nil
end

-- Micro-lots au moins / micro-batches at least
function min_micro_batches(pp, v, target)
  return nil
end

-- p : plateforme / platform, partition : "a100"..., model : usine.model("gpt3-175b") (table)
-- predict(plan) -> { step_s =, fits =, memory_gib =, capacity_gib = } ; erreur si invalide / error if invalid
function choose_plan(p, partition, model, gpus, gbs, predict)
  -- Le plan de l'article / the paper's plan: valide, mais le meilleur ? / valid, but the best?
  return { tp = 8, pp = 12, vpp = 1, mbs = 1, zero = 0, recompute = "full" }
end
]],
  checks = {
    {
      id = "bubble",
      title = { fr = "La bulle du pipeline", en = "The pipeline bubble" },
      points = 3,
      hint = { fr = "Le pipeline perd pp − 1 temps d'étage en se remplissant et en se vidant, à côté des m micro-lots ; l'entrelacement rend chaque étage v fois plus court.",
               en = "The pipeline loses pp − 1 stage times filling and draining, beside the m micro-batches; interleaving makes each stage v times shorter." },
      run = function(s, ctx)
        -- the formula's cases at 1 %, usine.predict's within 5 % (its step has more than the bubble)
        local lists, total, credit, said = { {}, {} }, 0, 0, nil
        for _, c in ipairs(bubble_cases) do
          local w = c.where == "formula" and { fr = "formule", en = "formula" } or { fr = c.where, en = c.where }
          table.insert(lists[c.rel > 1e-6 and 2 or 1], { c = c, name = {
            fr = ("%s, pp = %d, m = %d, v = %d"):format(w.fr, c.pp, c.m, c.v), en = ("%s, pp = %d, m = %d, v = %d"):format(w.en, c.pp, c.m, c.v) } })
        end
        for i, list in ipairs(lists) do
          local share, words = usine.cases(ctx, list, function(k)
            local c = k.c
            return s.bubble_fraction(c.pp, c.m, c.v), c.want, {
              { value = (c.pp - 1) / (c.v * c.m), credit = 0.5,
                fr = "c'est (pp − 1) / (v m), la bulle rapportée au temps idéal (Narayanan et al.) : on demande sa part du pas entier, bulle comprise",
                en = "that is (pp − 1) / (v m), the bubble over the ideal time (Narayanan et al.): the question asks for its share of the whole step, bubble included" } }
          end, { rel = i == 1 and 0.01 or 0.05, abs = 1e-12 })
          total, credit = total + #list, credit + #list * (share == true and 1 or share)
          said = said or (share ~= true and words or nil)
        end
        if not said then return true end
        return credit / total, said
      end,
    },
    {
      id = "micro-batches",
      title = { fr = "Assez de micro-lots pour une bulle donnée", en = "Enough micro-batches for a given bubble" },
      points = 2,
      hint = { fr = "La part de bulle baisse quand m grandit : cherchez le premier m où elle passe sous la cible, ou résolvez l'inégalité.",
               en = "The bubble's share falls as m grows: find the first m where it goes below the target, or solve the inequality." },
      run = function(s, ctx)
        local list = {}
        for k = 1, 24 do
          local pp, v = math.random(2, 64), ({ 1, 1, 2, 3, 4 })[math.random(1, 5)]
          local target = math.random(1, 60) / 100
          list[#list + 1] = { pp = pp, v = v, target = target, want = ref.min_micro_batches(pp, v, target),
                              name = ("pp = %d, v = %d, bulle ≤ %s / bubble ≤ %s"):format(pp, v, usine.num(target, { lang = "fr", sig = 3, trim = true }), usine.num(target, { sig = 3, trim = true })) }
        end
        return usine.cases(ctx, list, function(c)
          return s.min_micro_batches(c.pp, c.v, c.target), c.want, {
            { value = ref.min_micro_batches_ideal(c.pp, c.v, c.target), credit = 0.5,
              fr = "c'est avec la bulle rapportée au temps idéal, (pp − 1) / (v m) : on demande sa part du pas entier",
              en = "that is with the bubble over the ideal time, (pp − 1) / (v m): the question asks for its share of the whole step" } }
        end, { exact = true })
      end,
    },
    {
      id = "plan-selene",
      title = { fr = "Un plan pour GPT-3 175B sur 384 A100 de Selene", en = "A plan for GPT-3 175B on 384 A100s of Selene" },
      points = 4,
      hint = { fr = "Cherchez sur tous les axes, pas seulement tp et pp : le micro-lot, ZeRO et le recalcul changent la mémoire et le temps. Ne gardez que les plans dont memory.fits est vrai.",
               en = "Search every axis, not only tp and pp: the micro-batch, ZeRO and recomputation change memory and time. Keep only the plans whose memory.fits is true." },
      run = function(s)
        local bad = try_plan(s, main_case)
        if bad then return false, bad end
        return true
      end,
    },
    {
      id = "plan-elsewhere",
      title = { fr = "Un autre réseau, un autre modèle", en = "Another network, another model" },
      points = 4,
      hint = { fr = "Le meilleur plan dépend du réseau et du modèle : votre recherche doit partir de ses arguments (plateforme, partition, modèle, GPU, lot), sans rien écrire en dur.",
               en = "The best plan depends on the network and the model: your search must start from its arguments (platform, partition, model, GPUs, batch), with nothing hard-coded." },
      run = function(s)
        local right, first = 0, nil
        for _, c in ipairs(other_cases) do
          local bad = try_plan(s, c)
          if bad then first = first or bad else right = right + 1 end
        end
        if right == #other_cases then return true end
        return right / #other_cases, first
      end,
    },
  },
}
