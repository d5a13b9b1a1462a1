-- Exercise 5: the compute of a training run.
-- Concepts: C = 6 N D, model FLOPs utilisation (MFU), time to train, attention FLOPs, embedding
-- lookups, activation recomputation (hardware FLOPs).
-- Difficulty 3, 40 minutes. Platform: Jean Zay (H100 partition).
-- The checks try the student's functions on several models (parameter counts from usine.params),
-- token counts, platforms (Jean Zay's H100 and A100 partitions, Alice Recoque, Eos) and MFU values.
-- The per-token counts are compared with what usine.predict counts (model FLOPs and, with each
-- recomputation mode, hardware FLOPs), computed once at the top of the file.

local jz = usine.platform("jean-zay")
local ar = usine.platform("alice-recoque")
local eos = usine.platform("eos")

-- Token counts of published runs (inputs the checks choose): GPT-3 300 B (Brown et al. 2020),
-- BLOOM 366 B (BigScience 2022), Llama 3 15.6 T for 405B, 15 T for 8B and 70B (Meta 2024).
local RUNS = {
  { model = "gpt3-175b", tokens = 300e9 },
  { model = "llama3-405b", tokens = 15.6e12 },
  { model = "bloom-176b", tokens = 366e9 },
  { model = "llama3-70b", tokens = 15e12 },
  { model = "llama3-8b", tokens = 15e12 },
}

local ref = usine.reference("training-flops")
local function six_nd(model, tokens) return ref.six_nd(usine.params(model), tokens) end
local days = ref.days

-- Cases drawn from the grading seed, beside the published ones: an exam's differ.
local all_models = usine.models()
local function any_model() return all_models[math.random(1, #all_models)] end
-- Drawn cases outnumber the fixed ones in every check (answers harvested in practice do not carry
-- into an exam).
for _ = 1, 7 do RUNS[#RUNS + 1] = { model = any_model(), tokens = math.random(1, 3000) * 1e10 } end

local function gpus_peak(p, id)
  local part = p:partition(id)
  return part.gpus, part.accelerator.peak_tflops.bf16
end

-- (platform, partition, model, tokens, MFU) for days_on.
local PLATFORM_CASES = {
  { jz, "h100", "gpt3-175b", 300e9, 0.40 },
  { ar, "gpu", "llama3-405b", 15.6e12, 0.40 },
  { jz, "a100", "bloom-176b", 366e9, 0.35 },
  { eos, "h100", "llama3-70b", 15e12, 0.45 },
  { ar, "gpu", "gpt3-175b", 300e9, 0.30 },
  { jz, "h100", "llama3-405b", 15.6e12, 0.50 },
  { jz, "h100", "llama3-8b", 15e12, 0.38 },
}
for _ = 1, 9 do   -- drawn: a machine, a partition with a bf16 peak, a model, tokens and an MFU
  local p = ({ jz, ar, eos })[math.random(1, 3)]
  local id = p.id == "jean-zay" and ({ "h100", "a100" })[math.random(1, 2)] or (p.id == "eos" and "h100" or "gpu")
  PLATFORM_CASES[#PLATFORM_CASES + 1] = { p, id, any_model(), math.random(1, 2000) * 1e10, math.random(25, 55) / 100 }
end

-- What usine.predict counts per token: model FLOPs, and hardware FLOPs with each recomputation
-- mode (one GPU, one sequence: the count does not depend on the plan).
local PER_TOKEN_MODELS = { "gpt3-175b", "llama3-405b", "llama3-8b", "bloom-176b", "llama2-70b", "megatron-1.7b" }

local RECOMPUTE_MODELS = { "gpt3-175b", "llama3-8b", "llama3-405b", "bloom-176b" }
local MODES = { "none", "selective", "full" }
local counted = {}
for _, id in ipairs(PER_TOKEN_MODELS) do
  counted[id] = { model = usine.model(id) }
  for _, rc in ipairs(MODES) do
    local r = usine.predict({ platform = jz, partition = "h100", model = id, gpus = 1, gbs = 1, recompute = rc })
    counted[id].model_flops = r.model_flops_step / r.tokens_per_step
    counted[id][rc] = r.hw_flops_step / r.tokens_per_step
  end
end

-- Made-up models drawn from the grading seed: a preset's conventions (tied, pos_emb, vocab) with
-- other depths, widths and sequence lengths; their counts come from the reference, which agrees with
-- usine.predict on the presets.
local made = usine.reference("made-up")
for i = 1, 8 do
  local m = made.model(usine.model(any_model()), i, { 1024, 2048, 4096, 8192, 32768 })
  local id = m.id
  counted[id] = { model = m, model_flops = ref.per_token(m), made_up = true }
  for _, rc in ipairs(MODES) do counted[id][rc] = counted[id].model_flops + ref.recompute_extra(m, rc) end
  PER_TOKEN_MODELS[#PER_TOKEN_MODELS + 1] = id
  RECOMPUTE_MODELS[#RECOMPUTE_MODELS + 1] = id
end

local function fmt(x, lang) return usine.num(x, { lang = lang, sig = 6, trim = true }) end
local function name_of(id) return usine.model(id).name end

return {
  id = "training-flops",
  title = { fr = "Le calcul d'un entraînement", en = "The compute of a training run" },
  text = {
    fr = [[
# Le calcul d'un entraînement

Combien d'opérations faut-il pour entraîner un modèle de langage ? La règle la plus utilisée
(Kaplan et al., 2020) tient en une ligne :

```
C = 6 × N × D
N : paramètres, D : jetons d'entraînement
```

Pour chaque jeton, chaque poids sert à une multiplication et une addition dans la passe avant
(2 FLOP), et à deux produits dans la rétropropagation, l'un pour le gradient des activations,
l'autre pour celui du poids (4 FLOP). GPT-3 (`usine.params("gpt3-175b")` = 1,746 × 10¹¹
paramètres, 300 milliards de jetons) : C = 6 × 1,746 × 10¹¹ × 3 × 10¹¹ = 3,14 × 10²³ FLOP, le
chiffre de l'article de GPT-3. Llama 3 405B (4,059 × 10¹¹ paramètres, 15,6 × 10¹² jetons, soit
15,6 billions) : 3,8 × 10²⁵ FLOP.

## Combien de jours ?

Une usine ne tient pas sa crête : la part de la crête consacrée aux FLOP du modèle est le **MFU**
(*model FLOPs utilisation*), de 35 à 45 % pour les grands entraînements (Llama 3 405B : 43 % sur 8 192 H100, 41 % et
38 % sur 16 384).

```
temps (s) = C / (GPU × crête par GPU × MFU)
1 jour = 86 400 s
```

La partition H100 de Jean Zay : 1 456 GPU à 989 TFLOP/s en bf16. À 40 % de MFU, GPT-3 y prendrait
6,3 jours et Llama 3 405B 763 jours. Alice Recoque (12 824 MI430X à 2 500 TFLOP/s en bf16, une
hypothèse du fichier de plateforme) : 34 jours pour Llama 3 405B.

## Ce que 6ND ne compte pas

`usine.predict` compte les FLOP couche par couche, et trouve plus que `6 × N` par jeton :
2,7 % de plus pour GPT-3, 8 % pour Llama 3 405B, 20 % pour Llama 3 8B. Deux raisons :

- **l'attention** fait des FLOP sans paramètres : `Q·Kᵀ` compare chaque jeton aux `s` jetons de
  la séquence, puis la somme pondérée des `V` en refait autant : `4 × s × h` FLOP par jeton et par
  couche dans la passe avant, trois fois plus avec la rétropropagation, soit `12 × l × s × h`
  (`l` couches, `h` la largeur `hidden`, `s` la longueur de séquence `seq`). Le masque causal, qui
  en épargnerait la moitié, n'est pas déduit, comme dans le décompte de PaLM ;
- **les tables de plongement** (*embeddings*) sont lues, pas multipliées : leurs paramètres ne
  coûtent rien. C'est la table d'entrée (`vocab × hidden`) quand la sortie a sa propre matrice
  (`tied = false`), et les positions apprises (`seq × hidden`) quand `pos_emb` est vrai. Quand
  `tied` est vrai, la même matrice sert aussi de couche de sortie : elle est multipliée, elle
  compte.

Les biais et les normalisations restent dans `N` : ils pèsent moins de 0,1 %.

Le **recalcul** refait une partie de la passe avant pendant la rétropropagation, pour garder moins
d'activations en mémoire. Ces FLOP occupent le matériel sans faire avancer le modèle : ils comptent
dans les FLOP *matériels* (et le HFU, *hardware FLOPs utilisation*), pas dans le MFU.

- `"none"` : rien de plus ;
- `"selective"` (Korthikanti et al., 2022) : le cœur de l'attention, `4 × l × s × h` par jeton ;
- `"full"` : toute la passe avant des couches, `2 × N_couches + 4 × l × s × h` par jeton, où
  `N_couches` est `N` moins les tables de plongement et la couche de sortie (`vocab × hidden` une
  fois si `tied`, deux fois sinon ; plus `seq × hidden` si `pos_emb`). La couche de sortie n'est
  pas refaite. C'est pourquoi on parle de « 8ND » avec recalcul complet.

## À faire

Un modèle `m` est une table comme celle de `usine.model("gpt3-175b")` : `m.layers`, `m.hidden`,
`m.seq`, `m.vocab`, `m.tied`, `m.pos_emb`, `m.params`. Écrivez :

1. `training_flops(n_params, tokens)` : `C` en FLOP par la règle `6ND` ;
2. `training_days(flops, gpus, peak_tflops, mfu)` : la durée en jours ;
3. `days_on(p, partition, n_params, tokens, mfu)` : la durée en jours d'un entraînement d'un modèle
   de `n_params` paramètres sur **toute** la partition, à la crête bf16 de ses GPU, par la règle
   `6ND` (de `usine`, votre rendu n'a que `p:partition(id)`) ;
4. `flops_per_token(m)` : les FLOP du modèle par jeton, attention comprise, tables de plongement
   exclues ;
5. `hardware_flops_per_token(m, recompute)` : les FLOP matériels par jeton, avec `recompute` valant
   `"none"`, `"selective"` ou `"full"` ;
6. `gpus_for(flops, days, peak_tflops, mfu)` : la question inverse de `training_days` : le plus
   petit nombre entier de GPU qui finit un entraînement de `flops` FLOP en `days` jours au plus.

Les deux dernières seront comparées à ce que compte `usine.predict` (à 0,1 % près) ; les autres
seront essayées sur GPT-3, BLOOM, Llama 3 (8B, 70B, 405B), sur Jean Zay (H100, A100), Alice Recoque
et Eos, avec plusieurs MFU.

Sources : J. Kaplan et al., « Scaling laws for neural language models », 2020 ; T. Brown et al.,
« Language models are few-shot learners », 2020 (GPT-3, 300 milliards de jetons) ; BigScience,
BLOOM, 2022 (366 milliards de jetons) ; Meta, « The Llama 3 herd of models », 2024 (15,6 billions
de jetons, 3,8 × 10²⁵ FLOP, MFU au tableau 4 : 43 % sur 8 192 GPU, 41 % et 38 % sur 16 384) ; A. Chowdhery et al., PaLM, 2022, annexe B (FLOP de
l'attention dans le MFU) ; V. Korthikanti et al., « Reducing activation recomputation in large
transformer models », 2022 ; fichiers `jean-zay.xml`, `alice-recoque.xml` et `eos.xml` d'Usine.
]],
    en = [[
# The compute of a training run

How many operations does it take to train a language model? The most widely used rule (Kaplan et
al., 2020) fits on one line:

```
C = 6 × N × D
N: parameters, D: training tokens
```

Each weight takes part in one multiply and one add per token on the forward pass (2 FLOPs), and in
two products on the backward pass, one for the gradient of the activations, one for that of the
weight (4 FLOPs). GPT-3 (`usine.params("gpt3-175b")` = 1.746 × 10¹¹ parameters, 300 billion
tokens): C = 6 × 1.746 × 10¹¹ × 3 × 10¹¹ = 3.14 × 10²³ FLOPs, the GPT-3 paper's figure.
Llama 3 405B (4.059 × 10¹¹ parameters, 15.6 trillion tokens): 3.8 × 10²⁵ FLOPs.

## How many days?

A factory does not sustain its peak: the fraction of the peak spent on the model's FLOPs is the
**MFU** (model FLOPs utilisation), 35 to 45 % for large runs (Llama 3 405B: 43 % on 8,192
H100s, 41 % and 38 % on 16,384).

```
time (s) = C / (GPUs × peak per GPU × MFU)
1 day = 86,400 s
```

Jean Zay's H100 partition: 1,456 GPUs at 989 TFLOP/s in bf16. At 40 % MFU, GPT-3 would take 6.3
days there and Llama 3 405B 763 days. Alice Recoque (12,824 MI430X at 2,500 TFLOP/s in bf16, an
assumption of the platform file): 34 days for Llama 3 405B.

## What 6ND leaves out

`usine.predict` counts FLOPs layer by layer, and finds more than `6 × N` per token: 2.7 % more for
GPT-3, 8 % for Llama 3 405B, 20 % for Llama 3 8B. Two reasons:

- **attention** does FLOPs without parameters: `Q·Kᵀ` compares each token with the `s` tokens of
  the sequence, then the weighted sum of the `V`s does as much again: `4 × s × h` FLOPs per token
  and per layer in the forward pass, three times that with the backward pass, so `12 × l × s × h`
  (`l` layers, `h` the `hidden` width, `s` the sequence length `seq`). The causal mask, which would
  spare half of it, is not subtracted, as in PaLM's count;
- **embedding tables** are read, not multiplied: their parameters cost nothing. That is the input
  table (`vocab × hidden`) when the output has its own matrix (`tied = false`), and the learned
  positions (`seq × hidden`) when `pos_emb` is true. When `tied` is true, the same matrix is also
  the output layer: it is multiplied, it counts.

Biases and norms stay in `N`: they weigh less than 0.1 %.

**Recomputation** redoes part of the forward pass during the backward pass, to keep fewer
activations in memory. Those FLOPs keep the hardware busy without moving the model forward: they
count in the *hardware* FLOPs (and the HFU, hardware FLOPs utilisation), not in the MFU.

- `"none"`: nothing more;
- `"selective"` (Korthikanti et al., 2022): the attention core, `4 × l × s × h` per token;
- `"full"`: the whole forward pass of the layers, `2 × N_layers + 4 × l × s × h` per token, where
  `N_layers` is `N` minus the embedding tables and the output layer (`vocab × hidden` once if
  `tied`, twice otherwise; plus `seq × hidden` if `pos_emb`). The output layer is not redone. This
  is why people speak of "8ND" with full recomputation.

## Your task

A model `m` is a table like that of `usine.model("gpt3-175b")`: `m.layers`, `m.hidden`, `m.seq`,
`m.vocab`, `m.tied`, `m.pos_emb`, `m.params`. Write:

1. `training_flops(n_params, tokens)`: `C` in FLOPs by the `6ND` rule;
2. `training_days(flops, gpus, peak_tflops, mfu)`: the duration in days;
3. `days_on(p, partition, n_params, tokens, mfu)`: the duration in days of a run of a model of
   `n_params` parameters on the **whole** partition, at its GPUs' bf16 peak, by the `6ND` rule (of
   `usine`, your submission gets only `p:partition(id)`);
4. `flops_per_token(m)`: the model's FLOPs per token, attention included, embedding tables left
   out;
5. `hardware_flops_per_token(m, recompute)`: the hardware FLOPs per token, with `recompute` one of
   `"none"`, `"selective"` or `"full"`;
6. `gpus_for(flops, days, peak_tflops, mfu)`: `training_days` the other way round: the smallest
   whole number of GPUs that finishes a run of `flops` FLOPs within `days` days.

The last two will be compared with what `usine.predict` counts (within 0.1 %); the others will be
tried on GPT-3, BLOOM, Llama 3 (8B, 70B, 405B), on Jean Zay (H100, A100), Alice Recoque and Eos,
with several MFUs.

Sources: J. Kaplan et al., "Scaling laws for neural language models", 2020; T. Brown et al.,
"Language models are few-shot learners", 2020 (GPT-3, 300 billion tokens); BigScience, BLOOM, 2022
(366 billion tokens); Meta, "The Llama 3 herd of models", 2024 (15.6 trillion tokens,
3.8 × 10²⁵ FLOPs, MFU in Table 4: 43 % on 8,192 GPUs, 41 % and 38 % on 16,384); A. Chowdhery et al., PaLM, 2022, appendix B (attention FLOPs in
the MFU); V. Korthikanti et al., "Reducing activation recomputation in large transformer models",
2022; Usine's `jean-zay.xml`, `alice-recoque.xml` and `eos.xml`.
]],
  },
  concepts = {
    fr = { "C = 6ND", "MFU", "durée d'entraînement", "FLOP de l'attention", "recalcul", "FLOP matériels" },
    en = { "C = 6ND", "MFU", "time to train", "attention FLOPs", "recomputation", "hardware FLOPs" },
  },
  difficulty = 3,
  minutes = 40,
  platform = "jean-zay",
  scenario = { partition = "h100" },
  -- What a submission may use of usine. The partition's GPUs and peak; not usine.predict (its FLOPs per token are the answers),
  -- nor p:totals (its peak_pflops), nor usine.params (the checks pass the parameter count).
  allow = { "platform:partition" },
  starter = [[
-- Exercice 5 : le calcul d'un entraînement / Exercise 5: the compute of a training run
-- m = usine.model("gpt3-175b") : m.layers, m.hidden, m.seq, m.vocab, m.tied, m.pos_emb, m.params

function training_flops(n_params, tokens)
  return 0
end

function training_days(flops, gpus, peak_tflops, mfu)
  return 0
end

-- p = usine.platform("jean-zay"), partition = "h100", n_params = 1.746e11 (GPT-3)
function days_on(p, partition, n_params, tokens, mfu)
  return 0
end

function flops_per_token(m)
  return 0
end

-- recompute : "none", "selective", "full"
function hardware_flops_per_token(m, recompute)
  return flops_per_token(m)
end

-- Le plus petit nombre de GPU pour finir à temps / the fewest GPUs that finish in time
function gpus_for(flops, days, peak_tflops, mfu)
  return nil
end
]],
  checks = {
    {
      id = "flops",
      title = { fr = "C = 6ND", en = "C = 6ND" },
      points = 2,
      hint = { fr = "Six FLOP par paramètre et par jeton : deux dans la passe avant, quatre dans la rétropropagation.",
               en = "Six FLOPs per parameter and per token: two in the forward pass, four in the backward pass." },
      run = function(s, ctx)
        local list = {}
        for _, r in ipairs(RUNS) do
          local n = usine.params(r.model)
          list[#list + 1] = { n = n, tokens = r.tokens, name = {
            fr = ("%s (N = %s), D = %s jetons"):format(name_of(r.model), fmt(n, "fr"), fmt(r.tokens, "fr")),
            en = ("%s (N = %s), D = %s tokens"):format(name_of(r.model), fmt(n), fmt(r.tokens)) } }
        end
        return usine.cases(ctx, list, function(c) return s.training_flops(c.n, c.tokens), ref.six_nd(c.n, c.tokens) end, {
          unit = "FLOP",
          slip = function(c, got)
            if type(got) == "number" and usine.near(got, 2 * c.n * c.tokens, 0.01) then
              return { fr = "2ND est la passe avant seule : la rétropropagation en fait deux fois plus", en = "2ND is the forward pass alone: the backward does twice as much" }
            end
          end })
      end,
    },
    {
      id = "days",
      title = { fr = "Durée en jours", en = "Duration in days" },
      points = 2,
      hint = { fr = "Le débit utile est GPU × crête × MFU, en FLOP/s : attention, la crête est en TFLOP/s ; puis passez des secondes aux jours.",
               en = "The useful rate is GPUs × peak × MFU, in FLOP/s: mind that the peak is in TFLOP/s; then go from seconds to days." },
      run = function(s, ctx)
        local systems = { { jz, "h100" }, { jz, "a100" }, { ar, "gpu" }, { eos, "h100" } }
        local list = {}
        for i, r in ipairs(RUNS) do
          for j, sys in ipairs(systems) do
            local gpus, peak = gpus_peak(sys[1], sys[2])
            local mfu = ({ 0.4, 0.35, 0.5, 0.3 })[(i + j) % 4 + 1]
            local c = six_nd(r.model, r.tokens)
            list[#list + 1] = { c = c, gpus = gpus, peak = peak, mfu = mfu, name = {
              fr = ("C = %s FLOP, %d GPU à %s TFLOP/s, MFU %s"):format(fmt(c, "fr"), gpus, fmt(peak, "fr"), fmt(mfu, "fr")),
              en = ("C = %s FLOPs, %d GPUs at %s TFLOP/s, MFU %s"):format(fmt(c), gpus, fmt(peak), fmt(mfu)) } }
          end
        end
        return usine.cases(ctx, list, function(k) return s.training_days(k.c, k.gpus, k.peak, k.mfu), days(k.c, k.gpus, k.peak, k.mfu) end, {
          unit = { fr = "jours", en = "days" },
          slip = function(k, got)
            if type(got) == "number" and usine.near(got, k.c / (k.gpus * k.peak * 1e12 * k.mfu) / 3600, 0.01) then
              return { fr = "ce sont des heures : un jour en a 24", en = "those are hours: a day has 24" }
            end
            if type(got) == "number" and usine.near(got, k.c / (k.gpus * k.peak * 1e12 * k.mfu), 0.01) then
              return { fr = "ce sont des secondes : un jour en a 86 400", en = "those are seconds: a day has 86,400" }
            end
          end })
      end,
    },
    {
      id = "platforms",
      title = { fr = "Sur Jean Zay, Alice Recoque et Eos", en = "On Jean Zay, Alice Recoque and Eos" },
      points = 3,
      hint = { fr = "La partition donne son nombre de nœuds, ses GPU par nœud et la crête bf16 de son accélérateur.",
               en = "The partition gives its number of nodes, its GPUs per node and its accelerator's bf16 peak." },
      run = function(s, ctx)
        local list = {}
        for _, c in ipairs(PLATFORM_CASES) do
          local p, id, model, tokens, mfu = c[1], c[2], c[3], c[4], c[5]
          local gpus = gpus_peak(p, id)
          list[#list + 1] = { c = c, name = {
            fr = ("%s sur %s/%s (%d GPU), %s jetons, MFU %s"):format(name_of(model), p.id, id, gpus, fmt(tokens, "fr"), fmt(mfu, "fr")),
            en = ("%s on %s/%s (%d GPUs), %s tokens, MFU %s"):format(name_of(model), p.id, id, gpus, fmt(tokens), fmt(mfu)) } }
        end
        return usine.cases(ctx, list, function(k)
          local p, id, model, tokens, mfu = k.c[1], k.c[2], k.c[3], k.c[4], k.c[5]
          local gpus, peak = gpus_peak(p, id)
          return s.days_on(p, id, usine.params(model), tokens, mfu), days(six_nd(model, tokens), gpus, peak, mfu)
        end, { unit = { fr = "jours", en = "days" },
               slip = function(k, got)
                 local part = k.c[1]:partition(k.c[2])
                 if type(got) == "number" and usine.near(got * part.gpus_per_node, days(six_nd(k.c[3], k.c[4]), part.gpus, part.accelerator.peak_tflops.bf16, k.c[5]), 0.01) then
                   return { fr = "comptez les GPU, pas les nœuds : nœuds × GPU par nœud", en = "count GPUs, not nodes: nodes × GPUs per node" }
                 end
               end })
      end,
    },
    {
      id = "per-token",
      title = { fr = "FLOP par jeton, comme les compte usine.predict", en = "FLOPs per token, as usine.predict counts them" },
      points = 3,
      hint = { fr = "Partez de 6 × N, retirez les paramètres qui ne sont que lus (regardez tied et pos_emb), ajoutez l'attention.",
               en = "Start from 6 × N, take out the parameters that are only read (look at tied and pos_emb), add attention." },
      run = function(s, ctx)
        local list, lo, hi = {}, nil, nil
        for _, id in ipairs(PER_TOKEN_MODELS) do
          local c = counted[id]
          list[#list + 1] = { c = c, id = id, name = c.model.name }
          if not c.made_up then   -- what predict counts, on the presets
            local gap = c.model_flops / (6 * c.model.params) - 1
            lo, hi = math.min(lo or gap, gap), math.max(hi or gap, gap)
          end
        end
        local share, said = usine.cases(ctx, list, function(k)
          local m = k.c.model
          return s.flops_per_token(m), k.c.model_flops, {
            { value = ref.causal_per_token(m), credit = 0.5,
              fr = "l'attention est comptée à moitié, pour le masque causal : usine.predict la compte entière, comme PaLM et Megatron-LM",
              en = "attention is counted at half, for the causal mask: usine.predict counts it whole, as PaLM and Megatron-LM do" },
            { value = 6 * (m.params - ref.tables(m)), credit = 0.5,
              fr = "l'attention manque : ses produits Q·Kᵀ et la somme des V n'ont pas de paramètres mais coûtent des FLOP",
              en = "attention is missing: its Q·Kᵀ and sum of V have no parameters but cost FLOPs" },
          }
        end, { unit = { fr = "FLOP par jeton", en = "FLOPs per token" } })
        if share ~= true then return share, said end
        return true, { fr = ("6N sous-estime le compte de usine.predict de %s à %s %% selon le modèle."):format( usine.num(100 * lo, { lang = "fr", decimals = 1 }), usine.num(100 * hi, { lang = "fr", decimals = 1 })),
                       en = ("6N underestimates usine.predict's count by %.1f to %.1f %% depending on the model."):format(100 * lo, 100 * hi) }
      end,
    },
    {
      id = "recompute",
      title = { fr = "FLOP matériels avec recalcul", en = "Hardware FLOPs with recomputation" },
      points = 2,
      hint = { fr = "Ajoutez aux FLOP du modèle ce qui est refait : rien, le cœur de l'attention, ou toute la passe avant des couches (sans la couche de sortie).",
               en = "Add to the model FLOPs what is redone: nothing, the attention core, or the whole forward pass of the layers (without the output layer)." },
      run = function(s, ctx)
        local list = {}
        for _, id in ipairs(RECOMPUTE_MODELS) do
          for _, rc in ipairs({ "selective", "full" }) do   -- "none" adds nothing: not a case
            list[#list + 1] = { c = counted[id], rc = rc, name = {
              fr = ("%s, recompute = %q, FLOP ajoutés à ceux du modèle"):format(counted[id].model.name, rc),
              en = ("%s, recompute = %q, FLOPs added to the model's"):format(counted[id].model.name, rc) } }
          end
        end
        -- graded on what recomputation adds to the submission's own model FLOPs, so that a slip
        -- in flops_per_token is not counted twice
        return usine.cases(ctx, list, function(k)
          local m, want = k.c.model, k.c[k.rc] - k.c.model_flops
          local base, got = s.flops_per_token(m), s.hardware_flops_per_token(m, k.rc)
          if type(base) ~= "number" then return base, want end
          if type(got) ~= "number" then return got, want end
          return got - base, want
        end, {
          abs = 1e3, unit = { fr = "FLOP par jeton", en = "FLOPs per token" },
          slip = function(k, got)
            if k.rc == "full" and type(got) == "number" and usine.near(got, 2 * k.c.model.params, 0.01) then
              return { fr = "« 8ND » arrondit : la couche de sortie n'est pas refaite, et l'attention s'ajoute à 2 × N_couches",
                       en = "\"8ND\" rounds: the output layer is not redone, and attention adds to 2 × N_layers" }
            end
          end })
      end,
    },
    {
      id = "gpus-for",
      title = { fr = "Combien de GPU pour finir à temps", en = "How many GPUs to finish in time" },
      points = 2,
      hint = { fr = "La durée en jours, écrite pour un nombre de GPU inconnu ; un GPU ne se coupe pas en morceaux.",
               en = "The duration in days, written for an unknown number of GPUs; a GPU does not come in pieces." },
      run = function(s, ctx)
        local list = {}
        for _ = 1, 40 do
          if #list >= 20 then break end
          local r = RUNS[math.random(1, #RUNS)]
          local c, d = six_nd(r.model, r.tokens), math.random(5, 120)
          local peak, mfu = ({ 125, 312, 989, 1300, 2500 })[math.random(1, 5)], math.random(25, 55) / 100
          local x = c / (d * 86400 * peak * 1e12 * mfu)
          if math.abs(x - math.floor(x + 0.5)) > 1e-6 then   -- a quotient at an integer could go either way
            list[#list + 1] = { c = c, d = d, peak = peak, mfu = mfu, want = math.max(1, math.ceil(x)), name = {
              fr = ("%s FLOP en %d jours, %s TFLOP/s, MFU %s"):format(fmt(c, "fr"), d, fmt(peak, "fr"), fmt(mfu, "fr")),
              en = ("%s FLOPs in %d days, %s TFLOP/s, MFU %s"):format(fmt(c), d, fmt(peak), fmt(mfu)) } }
          end
        end
        return usine.cases(ctx, list, function(k) return s.gpus_for(k.c, k.d, k.peak, k.mfu), k.want end, {
          exact = true, unit = "GPU",
          slip = function(k, got)
            if type(got) == "number" and got ~= k.want and usine.near(got, k.c / (k.d * 86400 * k.peak * 1e12 * k.mfu), 1e-6) then
              return { fr = "un nombre de GPU est entier : arrondissez vers le haut, sinon l'entraînement finit en retard",
                       en = "a number of GPUs is whole: round up, or the run finishes late" }
            end
          end })
      end,
    },
  },
}
