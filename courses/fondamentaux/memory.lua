-- Exercise 6: memory of training.
-- Concepts: weights, gradients and Adam states in mixed precision (2 + 2 + 12 bytes per parameter),
-- activations as Usine's training model counts them (Korthikanti et al. 2022, generalised to GQA and
-- SwiGLU), what fits on one GPU for training and for inference, ZeRO stages 1-3.
-- Difficulty 2, 35 minutes. Platform: Jean Zay (IDRIS/GENCI), H100 partition.
-- Every expected value comes from usine.predict's memory breakdown (one GPU, or dp GPUs with ZeRO),
-- on several models, precisions, GPUs (32 to 432 GB) and data-parallel sizes.

local GIB = 1024 ^ 3
local jz = usine.platform("jean-zay")

-- GPUs whose memory the "fits" check tries, with a training precision each one has.
local gpus = {
  { p = jz, id = "h100", prec = "bf16" },
  { p = jz, id = "v100", prec = "fp16" },                         -- 32 GB, no bf16
  { p = usine.platform("jupiter"), id = "booster", prec = "bf16" }, -- GH200, 96 GB
  { p = usine.platform("frontier"), id = "mi250x", prec = "bf16" }, -- one GCD of an MI250X, 64 GB
  { p = usine.platform("alice-recoque"), id = "gpu", prec = "bf16" }, -- MI430X, 432 GB
}

local function predict(o)
  o.platform = o.platform or jz
  o.partition = o.partition or "h100"
  o.gpus = o.gpus or 1
  o.gbs = o.gbs or o.gpus * (o.mbs or 1)
  return usine.predict(o)
end

local function fmt(x, lang) return usine.num(x, { lang = lang, sig = 6, trim = true }) end

-- Weights, by precision (what the model keeps per parameter).
local weight_cases = {
  { model = "megatron-1.7b", prec = "bf16" },
  { model = "llama2-7b", prec = "fp32" },
  { model = "llama3-8b", prec = "fp8" },
  { model = "megatron-3.6b", prec = "tf32", partition = "a100" },
  { model = "gpt3-175b", prec = "fp16" },
}
-- Cases drawn from the grading seed, beside the fixed ones: an exam's differ.
local all_models = usine.models()
local function any_model() return all_models[math.random(1, #all_models)] end
local ref = usine.reference("memory")
for _, c in ipairs(weight_cases) do
  local r = predict { model = c.model, precision = c.prec, partition = c.partition }
  c.params = usine.params(c.model)
  c.want = r.memory.weights_gib * GIB
end
-- Drawn cases outnumber the fixed ones in every check (answers harvested in practice do not carry
-- into an exam); their expected values come from the reference, which agrees with predict.
for _ = 1, 7 do
  local c = { params = math.random(1, 9000) * 1e8, prec = ({ "bf16", "fp32", "fp16", "fp8", "tf32" })[math.random(1, 5)] }
  c.model, c.want = ("%s B"):format(usine.num(c.params / 1e9, { sig = 4, trim = true })), ref.bytes_weights(c.params, c.prec)
  weight_cases[#weight_cases + 1] = c
end

-- Made-up models: a preset's shape with other widths, depths and sequence lengths.
local made = usine.reference("made-up")
local function made_up_model(i) return made.model(usine.model(any_model()), i) end

-- Weights + gradients + Adam, mixed precision (fp16: in bf16 the default stack keeps gradients in fp32).
local state_cases = {}
for _, id in ipairs({ "megatron-1.7b", "llama2-70b", "gpt3-175b", "llama3-405b" }) do
  local m = predict { model = id, precision = "fp16" }.memory
  state_cases[#state_cases + 1] = { model = id, params = usine.params(id),
                                    want = (m.weights_gib + m.grads_gib + m.optimizer_gib) * GIB }
end
for _ = 1, 6 do
  local n = math.random(1, 9000) * 1e8
  state_cases[#state_cases + 1] = { model = ("%s B"):format(usine.num(n / 1e9, { sig = 4, trim = true })), params = n, want = ref.bytes_states(n) }
end

-- Activations of one micro-batch, one GPU, bf16, no recomputation.
local act_cases = {
  { model = "megatron-1.7b", mbs = 1, flash = false },
  { model = "megatron-1.7b", mbs = 4, flash = true },
  { model = "llama3-8b", mbs = 1, flash = true },
  { model = "llama2-70b", mbs = 2, flash = false },
  { model = "bloom-176b", mbs = 1, flash = true },
  { model = "gpt3-175b", mbs = 1, flash = false },
}
for _, c in ipairs(act_cases) do
  c.m = usine.model(c.model)
  c.want = predict { model = c.model, mbs = c.mbs, flash = c.flash }.memory.activations_gib * GIB
end
for i = 1, 8 do
  local m = made_up_model(i)
  local c = { model = m.name, m = m, mbs = math.random(1, 8), flash = math.random() < 0.5 }
  c.want = ref.bytes_activations(m, c.mbs, c.flash)
  act_cases[#act_cases + 1] = c
end

-- Fits: training (bf16 or fp16, micro-batch 1, no FlashAttention, no recomputation: what the model
-- needs on one GPU) and inference (bf16 weights and the runtime). Cases within 0.5 % of the edge are
-- left out: there, the final norm's few parameters that the model places differently could decide.
local fit_cases = {}
for _, g in ipairs(gpus) do
  local part = g.p:partition(g.id)
  local gb = part.accelerator.memory_gb
  for _, id in ipairs(usine.models()) do
    local r = predict { platform = g.p, partition = g.id, model = id, precision = g.prec, flash = false }
    local m = r.memory
    local infer_b = 2 * usine.params(id) + m.runtime_gib * GIB
    local cap_b = gb * 1e9
    -- in bf16 the gradients are fp32 (18 bytes, not the chapter's 16): cases the 2 bytes decide are left out
    local fp16_gib = m.total_gib - (g.prec == "bf16" and m.grads_gib / 2 or 0)
    if math.abs(m.total_gib - m.capacity_gib) > 0.005 * m.capacity_gib and math.abs(infer_b - cap_b) > 0.005 * cap_b
       and (fp16_gib <= m.capacity_gib) == m.fits then
      fit_cases[#fit_cases + 1] = {
        where = ("%s/%s"):format(g.p.id, g.id), gb = gb, model = id,
        train = m.fits, train_gib = m.total_gib, infer = infer_b <= cap_b, infer_gib = infer_b / GIB,
      }
    end
  end
end
-- and drawn: GPUs of other sizes, with the presets and made-up models; cases within 1 % of the edge
-- (or that the 2 bytes of fp32 gradients in bf16 would decide) left out, as above
local fixed_fits = #fit_cases
for i = 1, 400 do
  if #fit_cases >= 2 * fixed_fits then break end
  local m = i % 2 == 0 and made_up_model(100 + i) or usine.model(any_model())
  local gb = math.random(16, 512)
  local cap, train, infer = gb * 1e9, ref.training_bytes(m), ref.inference_bytes(m)
  if math.abs(train - cap) > 0.01 * cap and math.abs(train + 2 * m.params - cap) > 0.01 * cap and (train <= cap) == (train + 2 * m.params <= cap)
     and math.abs(infer - cap) > 0.01 * cap then
    fit_cases[#fit_cases + 1] = { where = ("%d GB"):format(gb), gb = gb, model = m.name, m = m,
                                  train = train <= cap, train_gib = train / GIB, infer = infer <= cap, infer_gib = infer / GIB }
  end
end

-- ZeRO: weights + gradients + Adam per GPU, over dp GPUs (no tensor or pipeline parallelism).
local zero_cases = {}
for _, id in ipairs({ "megatron-7.5b", "llama3-70b", "gpt3-175b" }) do
  for _, dp in ipairs({ 8, 64, 512 }) do
    for stage = 0, 3 do
      local m = predict { model = id, gpus = dp, zero = stage, precision = "fp16" }.memory
      zero_cases[#zero_cases + 1] = { model = id, params = usine.params(id), dp = dp, stage = stage,
                                      want = (m.weights_gib + m.grads_gib + m.optimizer_gib) * GIB }
    end
  end
end
for _ = 1, 40 do
  local n, dp, stage = math.random(1, 9000) * 1e8, math.random(2, 2048), math.random(0, 3)
  zero_cases[#zero_cases + 1] = { model = ("%s B"):format(usine.num(n / 1e9, { sig = 4, trim = true })), params = n, dp = dp, stage = stage,
                                  want = ref.zero_bytes(n, dp, stage) }
end

return {
  id = "memory",
  title = { fr = "La mémoire d'un entraînement", en = "The memory of training" },
  text = {
    fr = [[
# La mémoire d'un entraînement

Avant d'être rapide, un entraînement doit **tenir** dans la mémoire de ses GPU : 80 Go de HBM sur
un H100 ou un A100 80 Go, 32 Go sur un V100, 432 Go sur le MI430X d'Alice Recoque. Chaque GPU y
garde quatre choses.

## Poids, gradients, états d'Adam

En **précision mixte** (bf16 ou fp16), les multiplications se font sur des nombres de 2 octets,
mais l'optimiseur Adam travaille en fp32. Par paramètre :

- les **poids** (la copie de travail) : 2 octets ;
- les **gradients** : 2 octets ;
- les **états d'Adam** : une copie maîtresse des poids en fp32 (4 octets) et deux moments (4 + 4),
  soit 12 octets.

Total : **2 + 2 + 12 = 16 octets par paramètre**. En fp32 (ou tf32), poids et gradients prennent
4 octets chacun et la copie maîtresse n'est plus utile : 4 + 4 + 8 = 16 octets aussi. En bf16,
Megatron (la pile par défaut d'Usine, `usine stacks`) accumule et réduit les gradients en fp32 :
4 octets, **18 octets** au total ; ce chapitre compte en fp16, les 16 octets de l'article ZeRO. En
fp8, seules les entrées des multiplications passent en fp8 (comme avec Transformer Engine de
NVIDIA) : les poids gardent 2 octets.

Exemple : Llama 2 7B a 6,74 milliards de paramètres, soit 6,74 × 16 = **108 Go** d'états
d'entraînement. Il ne tient pas sur un H100 de 80 Go, avant même de compter les activations. Pour
l'**inférence**, il ne faut que les poids : 6,74 × 2 = 13,5 Go.

## Les activations

La passe avant garde ses résultats intermédiaires pour la rétropropagation. Le modèle d'Usine les
compte comme Korthikanti et al. (2022), en étendant leur décompte à l'attention groupée (GQA) et à
SwiGLU. Pour **un jeton, une couche**, en bf16, sans parallélisme de tenseur ni recalcul, en
octets :

```
a = h × (16 + 4 × kv_heads / heads)
  + c × ffn
  + 5 × heads × seq
```

- `h × (16 + 4 × kv_heads / heads)` : entrées des normalisations et de la couche, masques de dropout,
  requêtes, clés et valeurs, sortie de l'attention ;
- `c × ffn` : le MLP, avec c = 4 (GPT : deux matrices) ou c = 6 (SwiGLU, champ `gated`) ;
- `5 × heads × seq` : les scores d'attention (softmax et dropout, une ligne de `seq` valeurs par
  tête). Ce terme **disparaît avec FlashAttention**, qui ne garde pas les scores et les recalcule.

Pour un GPT (kv_heads = heads, ffn = 4h), cela fait `36 h + 5 × heads × seq` ; l'article donne
`34 h + 5 × heads × seq` : le modèle compte un peu plus largement. Il ajoute les **logits** de la
couche de sortie, gardés en fp32 : 4 × vocab octets par jeton. Pour un micro-lot de `mbs` séquences :

```
activations = mbs × seq × (layers × a + 4 × vocab)
```

C'est une approximation : un seul micro-lot en cours (sans pipeline, la rétropropagation suit la
passe avant du même micro-lot), sans tampons temporaires ni fragmentation, qu'Usine couvre en bloc
par **2 Gio pour l'environnement d'exécution** (*runtime* : contexte CUDA, tampons de
communication).

Exemple : Megatron 1.7B (h = 2304, 24 couches, 24 têtes, seq = 2048, ffn = 9216, vocab = 51200),
mbs = 1 : a = 2304 × 20 + 4 × 9216 + 5 × 24 × 2048 = 328 704 octets ; par jeton
24 × 328 704 + 4 × 51 200 = 8,09 Mo ; × 2048 jetons = **16,6 Go**, dont les trois quarts pour les
scores. Avec FlashAttention : 4,5 Go.

## Tenir sur un GPU

Un entraînement tient si `états + activations + 2 Gio ≤ mémoire du GPU`. Attention aux unités :
les fiches techniques donnent des Go décimaux (80 Go = 80 × 10⁹ octets), `usine.predict` affiche
des Gio (1 Gio = 2³⁰ octets ; 80 Go = 74,5 Gio).

## ZeRO

En parallélisme de données pur, chacun des `dp` GPU garde une copie complète des 16 octets par
paramètre. ZeRO (Rajbhandari et al., 2020) les **répartit** entre ces `dp` GPU :

- étape 1 : les états d'Adam sont divisés par `dp` ;
- étape 2 : les gradients aussi ;
- étape 3 : les poids aussi.

GPT-3 175B : 16 × 174,6 × 10⁹ = 2,79 To d'états. Avec ZeRO-3 sur 64 GPU : 43,7 Go par GPU. Avec
ZeRO-1 sur 64 GPU : 4 × 174,6 + 12 × 174,6 / 64 = 731 Go par GPU, bien trop. Ce n'est pas
gratuit : avec ZeRO-3, chaque GPU doit rassembler les poids d'une couche avant de s'en servir, ce qui
coûte des communications (exercices suivants).

## À faire

Toutes les tailles sont en **octets**. `model` est une table comme celle que renvoie
`usine.model("llama2-7b")` (champs `layers`, `hidden`, `heads`, `kv_heads`, `ffn`, `vocab`, `seq`,
`gated`, et `params`, son nombre de paramètres). Votre rendu n'a aucune fonction de `usine` : tout
ce qu'il faut arrive en arguments.

1. `bytes_weights(params, prec)` : les poids, pour `prec` parmi `"bf16"`, `"fp16"`, `"fp8"`,
   `"fp32"`, `"tf32"` ;
2. `bytes_training_states(params)` : poids, gradients et états d'Adam en précision mixte ;
3. `bytes_activations(model, mbs, flash)` : les activations d'un micro-lot de `mbs` séquences en
   bf16 (`flash` : FlashAttention ou non) ;
4. `fits(model, gpu_memory_gb)` : une table `{ training = …, inference = … }` de deux booléens.
   Entraînement : états + activations (mbs = 1, sans FlashAttention) + 2 Gio. Inférence, en première
   approximation : poids bf16 + 2 Gio (le cache KV d'une requête courte est laissé de côté) ;
5. `zero_bytes_per_gpu(params, dp, stage)` : poids, gradients et états d'Adam par GPU avec ZeRO
   (`stage` de 0 à 3) sur `dp` GPU, en précision mixte ;
6. `max_micro_batch(model, gpu_memory_gb, flash)` : la question inverse de `fits` : le plus grand
   micro-lot (un entier, 0 si même une séquence ne tient pas) qu'un GPU de `gpu_memory_gb` Go peut
   entraîner seul, états, activations et 2 Gio compris.

Les vérifications comparent vos réponses au détail de la mémoire de `usine.predict` (champ
`memory` : `weights_gib`, `grads_gib`, `optimizer_gib`, `activations_gib`, `fits`…), sur plusieurs
modèles, précisions, GPU (de 32 à 432 Go) et tailles `dp`. Pour comparer, lancez-le dans un
terminal : `usine predict --platform jean-zay --partition h100 --model llama2-7b --gpus 1 --gbs 1`
(dans le rendu, `usine.predict` n'est pas disponible : il donnerait les réponses).

Sources : P. Micikevicius et al., « Mixed Precision Training », ICLR 2018 ; S. Rajbhandari et al.,
« ZeRO: Memory Optimizations Toward Training Trillion Parameter Models », SC'20 ; V. Korthikanti
et al., « Reducing Activation Recomputation in Large Transformer Models », 2022 ; T. Dao et al.,
« FlashAttention », NeurIPS 2022 ; capacités HBM : `accelerators.csv` (fiches techniques NVIDIA et
AMD) ; formes des modèles : leurs articles (GPT-3, Megatron-LM, Llama 2 et 3, BLOOM).
]],
    en = [[
# The memory of training

Before it is fast, a training run must **fit** in its GPUs' memory: 80 GB of HBM on an H100 or an
A100 80 GB, 32 GB on a V100, 432 GB on Alice Recoque's MI430X. Each GPU keeps four things there.

## Weights, gradients, Adam states

In **mixed precision** (bf16 or fp16), the multiplications work on 2-byte numbers, but the Adam
optimizer works in fp32. Per parameter:

- the **weights** (the working copy): 2 bytes;
- the **gradients**: 2 bytes;
- the **Adam states**: an fp32 master copy of the weights (4 bytes) and two moments (4 + 4), that
  is 12 bytes.

Total: **2 + 2 + 12 = 16 bytes per parameter**. In fp32 (or tf32), weights and gradients take
4 bytes each and the master copy is no longer needed: 4 + 4 + 8 = 16 bytes too. In bf16, Megatron
(Usine's default stack, `usine stacks`) accumulates and reduces the gradients in fp32: 4 bytes,
**18 bytes** in all; this chapter counts in fp16, the ZeRO paper's 16 bytes. In fp8, only the inputs
of the multiplications go to fp8 (as with NVIDIA's Transformer Engine): the weights keep 2 bytes.

Example: Llama 2 7B has 6.74 billion parameters, so 6.74 × 16 = **108 GB** of training state. It
does not fit on an 80 GB H100, even before counting the activations. For **inference** only the
weights are needed: 6.74 × 2 = 13.5 GB.

## Activations

The forward pass keeps its intermediate results for the backward pass. Usine's model counts them as
Korthikanti et al. (2022) do, extended to grouped-query attention (GQA) and SwiGLU. For **one token,
one layer**, in bf16, without tensor parallelism or recomputation, in bytes:

```
a = h × (16 + 4 × kv_heads / heads)
  + c × ffn
  + 5 × heads × seq
```

- `h × (16 + 4 × kv_heads / heads)`: inputs of the norms and of the layer, dropout masks, queries,
  keys and values, the attention output;
- `c × ffn`: the MLP, with c = 4 (GPT: two matrices) or c = 6 (SwiGLU, field `gated`);
- `5 × heads × seq`: the attention scores (softmax and dropout, one row of `seq` values per head).
  This term **disappears with FlashAttention**, which does not keep the scores and recomputes them.

For a GPT (kv_heads = heads, ffn = 4h) that is `36 h + 5 × heads × seq`; the paper gives
`34 h + 5 × heads × seq`: the model counts a little more generously. It adds the output layer's
**logits**, kept in fp32: 4 × vocab bytes per token. For a micro-batch of `mbs` sequences:

```
activations = mbs × seq × (layers × a + 4 × vocab)
```

It is an approximation: one micro-batch in flight (without a pipeline, the backward pass follows the
forward pass of the same micro-batch), no temporary buffers and no fragmentation, which Usine covers
with a flat **2 GiB for the runtime** (CUDA context, communication buffers).

Example: Megatron 1.7B (h = 2304, 24 layers, 24 heads, seq = 2048, ffn = 9216, vocab = 51200),
mbs = 1: a = 2304 × 20 + 4 × 9216 + 5 × 24 × 2048 = 328,704 bytes; per token
24 × 328,704 + 4 × 51,200 = 8.09 MB; × 2048 tokens = **16.6 GB**, three quarters of it for the
scores. With FlashAttention: 4.5 GB.

## Fitting on one GPU

A training run fits if `states + activations + 2 GiB ≤ GPU memory`. Mind the units: datasheets give
decimal GB (80 GB = 80 × 10⁹ bytes), `usine.predict` shows GiB (1 GiB = 2³⁰ bytes; 80 GB =
74.5 GiB).

## ZeRO

In plain data parallelism, each of the `dp` GPUs keeps a full copy of the 16 bytes per parameter.
ZeRO (Rajbhandari et al., 2020) **shards** them across those `dp` GPUs:

- stage 1: the Adam states are divided by `dp`;
- stage 2: the gradients too;
- stage 3: the weights too.

GPT-3 175B: 16 × 174.6 × 10⁹ = 2.79 TB of state. With ZeRO-3 over 64 GPUs: 43.7 GB per GPU. With
ZeRO-1 over 64 GPUs: 4 × 174.6 + 12 × 174.6 / 64 = 731 GB per GPU, far too much. It is not free:
with ZeRO-3, each GPU must gather a layer's weights before using them, which costs communication
(next exercises).

## Your task

Every size is in **bytes**. `model` is a table like the one `usine.model("llama2-7b")` returns
(fields `layers`, `hidden`, `heads`, `kv_heads`, `ffn`, `vocab`, `seq`, `gated`, and `params`, its
number of parameters). Your submission has no function of `usine`: everything it needs comes as
arguments.

1. `bytes_weights(params, prec)`: the weights, for `prec` among `"bf16"`, `"fp16"`, `"fp8"`,
   `"fp32"`, `"tf32"`;
2. `bytes_training_states(params)`: weights, gradients and Adam states in mixed precision;
3. `bytes_activations(model, mbs, flash)`: the activations of a micro-batch of `mbs` sequences in
   bf16 (`flash`: FlashAttention or not);
4. `fits(model, gpu_memory_gb)`: a table `{ training = ..., inference = ... }` of two booleans.
   Training: states + activations (mbs = 1, no FlashAttention) + 2 GiB. Inference, to a first
   approximation: bf16 weights + 2 GiB (the KV cache of a short request is left out);
5. `zero_bytes_per_gpu(params, dp, stage)`: weights, gradients and Adam states per GPU with ZeRO
   (`stage` 0 to 3) over `dp` GPUs, in mixed precision;
6. `max_micro_batch(model, gpu_memory_gb, flash)`: `fits`'s question the other way round: the
   largest micro-batch (a whole number, 0 if not even one sequence fits) that one GPU of
   `gpu_memory_gb` GB can train alone, states, activations and 2 GiB included.

The checks compare your answers with `usine.predict`'s memory breakdown (field `memory`:
`weights_gib`, `grads_gib`, `optimizer_gib`, `activations_gib`, `fits`...), over several models,
precisions, GPUs (32 to 432 GB) and `dp` sizes. To compare, run it in a terminal:
`usine predict --platform jean-zay --partition h100 --model llama2-7b --gpus 1 --gbs 1` (in the
submission `usine.predict` is not available: it would give the answers).

Sources: P. Micikevicius et al., "Mixed Precision Training", ICLR 2018; S. Rajbhandari et al.,
"ZeRO: Memory Optimizations Toward Training Trillion Parameter Models", SC'20; V. Korthikanti et
al., "Reducing Activation Recomputation in Large Transformer Models", 2022; T. Dao et al.,
"FlashAttention", NeurIPS 2022; HBM capacities: `accelerators.csv` (NVIDIA and AMD datasheets);
model shapes: their papers (GPT-3, Megatron-LM, Llama 2 and 3, BLOOM).
]],
  },
  concepts = {
    fr = { "précision mixte", "états d'Adam", "activations", "FlashAttention", "ZeRO" },
    en = { "mixed precision", "Adam states", "activations", "FlashAttention", "ZeRO" },
  },
  difficulty = 2,
  minutes = 35,
  platform = "jean-zay",
  scenario = { partition = "h100" },
  -- What a submission may use of usine. Nothing of usine: usine.predict's memory breakdown is the answer of every check; the
  -- model tables carry their parameter count (model.params).
  allow = {},
  starter = [[
-- Exercice 6 : la mémoire d'un entraînement / Exercise 6: the memory of training
-- Tailles en octets / sizes in bytes. model : une table comme / a table like usine.model("llama2-7b"),
-- avec / with model.params.

function bytes_weights(params, prec)
  return 0          -- octets par paramètre selon prec / bytes per parameter by prec
end

function bytes_training_states(params)
  return 0          -- poids + gradients + Adam / weights + gradients + Adam
end

function bytes_activations(model, mbs, flash)
  local a = 0       -- un jeton, une couche / one token, one layer
  return 0
end

function fits(model, gpu_memory_gb)
  return { training = false, inference = false }
end

function zero_bytes_per_gpu(params, dp, stage)
  return 0
end

-- Le plus grand micro-lot qui tient / the largest micro-batch that fits
function max_micro_batch(model, gpu_memory_gb, flash)
  return nil
end
]],
  checks = {
    {
      id = "weights",
      title = { fr = "Poids, selon la précision", en = "Weights, by precision" },
      points = 2,
      hint = { fr = "Combien d'octets prend un nombre dans chaque format ? Relisez ce que le modèle fait des poids en fp8.",
               en = "How many bytes does a number take in each format? Reread what the model does with weights in fp8." },
      run = function(s, ctx)
        local list = {}
        for _, c in ipairs(weight_cases) do
          list[#list + 1] = { c = c, name = { fr = ("%s en %s"):format(c.model, c.prec), en = ("%s in %s"):format(c.model, c.prec) } }
        end
        return usine.cases(ctx, list, function(k) return s.bytes_weights(k.c.params, k.c.prec), k.c.want end, {
          unit = { fr = "octets", en = "bytes" },
          slip = function(k, got)
            if k.c.prec == "fp8" and type(got) == "number" and usine.near(got, k.c.params, 0.01) then
              return { fr = "le modèle garde les poids en bf16 même quand il calcule en fp8", en = "the model keeps the weights in bf16 even when it computes in fp8" }
            end
          end })
      end,
    },
    {
      id = "states",
      title = { fr = "Poids, gradients et Adam", en = "Weights, gradients and Adam" },
      points = 2,
      hint = { fr = "Trois parts par paramètre : la copie de travail, son gradient, et ce que garde Adam (copie fp32 et deux moments).",
               en = "Three parts per parameter: the working copy, its gradient, and what Adam keeps (an fp32 copy and two moments)." },
      run = function(s, ctx)
        local list = {}
        for _, c in ipairs(state_cases) do list[#list + 1] = { c = c, name = c.model } end
        return usine.cases(ctx, list, function(k) return s.bytes_training_states(k.c.params), k.c.want end, {
          unit = { fr = "octets", en = "bytes" },
          slip = function(k, got)
            if type(got) == "number" and usine.near(got, k.c.params * 12, 0.01) then
              return { fr = "Adam seul : les poids de travail et leurs gradients comptent aussi", en = "Adam alone: the working weights and their gradients count too" }
            end
            if type(got) == "number" and usine.near(got, k.c.params * 12 / 16 * 8, 0.01) then
              return { fr = "Adam garde aussi une copie fp32 des poids, pas seulement ses deux moments", en = "Adam also keeps an fp32 copy of the weights, not only its two moments" }
            end
          end })
      end,
    },
    {
      id = "activations",
      title = { fr = "Activations d'un micro-lot", en = "Activations of a micro-batch" },
      points = 3,
      hint = { fr = "Par jeton : chaque couche garde a octets, puis la sortie garde ses logits en fp32. Les scores dépendent de seq et du nombre de têtes, et FlashAttention ne les garde pas ; SwiGLU change le coefficient du MLP.",
               en = "Per token: each layer keeps a bytes, then the output keeps its logits in fp32. The scores depend on seq and the number of heads, and FlashAttention does not keep them; SwiGLU changes the MLP's coefficient." },
      run = function(s, ctx)
        local list = {}
        for _, c in ipairs(act_cases) do
          list[#list + 1] = { c = c, name = { fr = ("%s, mbs = %d, %s"):format(c.model, c.mbs, c.flash and "FlashAttention" or "sans FlashAttention"),
                                              en = ("%s, mbs = %d, %s"):format(c.model, c.mbs, c.flash and "FlashAttention" or "no FlashAttention") } }
        end
        return usine.cases(ctx, list, function(k) return s.bytes_activations(k.c.m, k.c.mbs, k.c.flash), k.c.want end, {
          unit = { fr = "octets", en = "bytes" },
          slip = function(k, got)
            local m = k.c.m
            if type(got) == "number" and usine.near(got, k.c.want - k.c.mbs * m.seq * 4 * m.vocab, 0.002) then
              return { fr = "il manque les logits de la sortie, en fp32", en = "the output's logits, in fp32, are missing" }
            end
          end })
      end,
    },
    {
      id = "fits",
      title = { fr = "Tenir sur un GPU : entraînement et inférence", en = "Fitting on one GPU: training and inference" },
      points = 3,
      hint = { fr = "Additionnez ce qu'il faut (états, activations à mbs = 1, 2 Gio pour l'environnement d'exécution) et comparez à la mémoire en octets : les Go des fiches techniques sont décimaux.",
               en = "Add what is needed (states, activations at mbs = 1, 2 GiB for the runtime) and compare with the memory in bytes: datasheet GB are decimal." },
      run = function(s, ctx)
        -- one list of cases per use; the answers are classes (fits or not), so always answering
        -- "fits", or always the same for one use, earns nothing
        local answers = {}
        local function answer(k)
          if answers[k] == nil then answers[k] = s.fits(k.m or usine.model(k.model), k.gb) end
          return answers[k]
        end
        local shares, said = {}, nil
        for _, use in ipairs({ "training", "inference" }) do
          local list = {}
          for _, k in ipairs(fit_cases) do
            local need, want = k.infer_gib, k.infer
            if use == "training" then need, want = k.train_gib, k.train end
            list[#list + 1] = { k = k, want = want, name = {
              fr = ("%s sur %s (%s Go = %s Gio), %s (%s Gio nécessaires)"):format(k.model, k.where, usine.num(k.gb, { lang = "fr", sig = 6, trim = true }),
                     usine.num(k.gb * 1e9 / GIB, { lang = "fr", decimals = 1 }), use == "training" and "entraînement" or "inférence", usine.num(need, { lang = "fr", decimals = 1 })),
              en = ("%s on %s (%g GB = %.1f GiB), %s (%.1f GiB needed)"):format(k.model, k.where, k.gb, k.gb * 1e9 / GIB, use, need) } }
          end
          local share, words = usine.cases(ctx, list, function(c)
            local got = answer(c.k)
            if type(got) == "table" then return got[use], c.want end
            return got, c.want
          end, { classes = true })
          shares[#shares + 1] = share == true and 1 or share
          said = said or words
        end
        if not said then return true end
        return (shares[1] + shares[2]) / 2, said
      end,
    },
    {
      id = "zero",
      title = { fr = "ZeRO : états par GPU", en = "ZeRO: states per GPU" },
      points = 3,
      hint = { fr = "Étape 1 : une part des 16 octets est divisée par dp ; chaque étape suivante en divise une de plus. Repérez lesquelles.",
               en = "Stage 1: one part of the 16 bytes is divided by dp; each later stage divides one more. Find which ones." },
      run = function(s, ctx)
        local list = {}
        for _, c in ipairs(zero_cases) do
          list[#list + 1] = { c = c, name = ("%s, dp = %d, ZeRO-%d"):format(c.model, c.dp, c.stage) }
        end
        return usine.cases(ctx, list, function(k) return s.zero_bytes_per_gpu(k.c.params, k.c.dp, k.c.stage), k.c.want end, {
          unit = { fr = "octets par GPU", en = "bytes per GPU" },
          slip = function(k, got)
            local c = k.c
            if type(got) == "number" and c.stage >= 1 and usine.near(got, 16 * c.params / c.dp, 0.01) and c.stage < 3 then
              return { fr = ("ZeRO-%d ne partage pas tout : seule l'étape 3 divise aussi les poids"):format(c.stage),
                       en = ("ZeRO-%d does not shard everything: only stage 3 divides the weights too"):format(c.stage) }
            end
          end })
      end,
    },
    {
      id = "max-mbs",
      title = { fr = "Le plus grand micro-lot qui tient", en = "The largest micro-batch that fits" },
      points = 2,
      hint = { fr = "Ce qui reste de la mémoire une fois les états et les 2 Gio posés, divisé par les activations d'une séquence ; arrondissez vers le bas.",
               en = "What is left of the memory once the states and the 2 GiB are in, divided by one sequence's activations; round down." },
      run = function(s, ctx)
        local list = {}
        for i = 1, 60 do
          if #list >= 24 then break end
          local m = i % 3 == 0 and usine.model(any_model()) or made_up_model(200 + i)
          local gb, flash = ({ 32, 40, 64, 80, 96, 128, 192, 288, 432 })[math.random(1, 9)], math.random() < 0.5
          local want, x = ref.max_micro_batch(m, gb, flash)
          if math.abs(x - math.floor(x + 0.5)) > 1e-6 then   -- a quotient at an integer could fairly go either way
            list[#list + 1] = { m = m, gb = gb, flash = flash, want = want, name = {
              fr = ("%s sur %d Go, %s"):format(m.name, gb, flash and "FlashAttention" or "sans FlashAttention"),
              en = ("%s on %d GB, %s"):format(m.name, gb, flash and "FlashAttention" or "no FlashAttention") } }
          end
        end
        return usine.cases(ctx, list, function(c) return s.max_micro_batch(c.m, c.gb, c.flash), c.want end, {
          exact = true,
          slip = function(c, got)
            if type(got) == "number" and got ~= c.want and got == ref.max_micro_batch(c.m, c.gb * GIB / 1e9, c.flash) then
              return { fr = "des Gio pris pour des Go : les Go des fiches techniques sont décimaux (10⁹ octets)",
                       en = "GiB taken for GB: datasheet GB are decimal (10^9 bytes)" }
            end
          end })
      end,
    },
  },
}
