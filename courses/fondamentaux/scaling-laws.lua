-- Exercise 13: scaling laws and the compute-optimal model size (Chinchilla).
-- Concepts: training compute C = 6 N D, compute-optimal N and D, tokens per parameter,
-- under- and over-training, time of a budget on a machine at a given MFU, Chinchilla's fitted loss.
-- Difficulty 2, 35 minutes. Platform: Jean Zay (H100); the checks also use Alice Recoque.
-- Token counts of GPT-3 and Llama 3 are inputs the checks choose (from the papers); the parameter
-- counts come from usine.params, the times from usine.predict.

local function fmt(x, lang) return usine.num(x, { lang = lang, sig = 6, trim = true }) end
local ref = usine.reference("scaling-laws")
local nopt = ref.nopt

usine.platform("jean-zay")
usine.platform("alice-recoque")

local gpt3 = usine.params("gpt3-175b")
local l405 = usine.params("llama3-405b")
local l70 = usine.params("llama3-70b")
local l8 = usine.params("llama3-8b")

-- Models and their training tokens (Brown et al. 2020; Hoffmann et al. 2022; Meta 2024).
local runs = {
  { name = "GPT-3 175B", n = gpt3, d = 300e9 },
  { name = "Chinchilla 70B", n = 70e9, d = 1.4e12 },
  { name = "Llama 3 405B", n = l405, d = 15.6e12 },
  { name = "Llama 3 8B", n = l8, d = 15e12 },
  { name = "Llama 3 70B", n = l70, d = 15e12 },
}
-- One run and one budget drawn from the grading seed: an exam's cases differ.
-- Runs, budgets and losses drawn from the grading seed outnumber the fixed ones: a table of
-- answers harvested in practice does not carry into an exam.
for _ = 1, 7 do
  local n = math.random(1, 5000) * 1e8
  runs[#runs + 1] = { name = ("%s B"):format(fmt(n / 1e9)), n = n, d = n * math.random(1, 400) }
end

-- Compute budgets, FLOPs: round ones and those of the runs above.
local budgets = { 1e21, 5.76e23, 1e26 }
for _, r in ipairs(runs) do budgets[#budgets + 1] = ref.flops(r.n, r.d) end
for _ = 1, 8 do budgets[#budgets + 1] = math.random(1, 999) * 10 ^ math.random(18, 25) end

local loss_cases = {
  { gpt3, 300e9 }, { nopt(6 * gpt3 * 300e9), 20 * nopt(6 * gpt3 * 300e9) }, { 70e9, 1.4e12 }, { 280e9, 300e9 },
  { l405, 15.6e12 }, { 1e9, 2e10 },
}
for _ = 1, 8 do loss_cases[#loss_cases + 1] = { math.random(1, 900) * 1e9, math.random(1, 900) * 1e10 } end

-- Budgets run on a machine: the planner's best plan, then usine.predict for the tokens.
local time_cases = {
  { platform = "jean-zay", partition = "h100", model = "llama3-70b", gpus = 1024, gbs = 1024, tokens = 20 * l70 },
  { platform = "alice-recoque", partition = "gpu", model = "llama3-70b", gpus = 8192, gbs = 2048, tokens = 20 * l70 },
  { platform = "jean-zay", partition = "h100", model = "gpt3-175b", gpus = 1024, gbs = 1536, tokens = 300e9 },
  { platform = "alice-recoque", partition = "gpu", model = "gpt3-175b", gpus = 4096, gbs = 1536, tokens = 300e9 },
  { platform = "alice-recoque", partition = "gpu", model = "llama3-405b", gpus = 8192, gbs = 2048, tokens = 15.6e12 },
  { platform = "jean-zay", partition = "h100", model = "llama3-8b", gpus = 1024, gbs = 512, tokens = 20 * l8 },
}

local function label(c, lang)
  if lang == "fr" then
    return ("%s sur %s/%s, %d GPU, %s jetons"):format(c.model, c.platform, c.partition, c.gpus, fmt(c.tokens, "fr"))
  end
  return ("%s on %s/%s, %d GPUs, %s tokens"):format(c.model, c.platform, c.partition, c.gpus, fmt(c.tokens))
end

local function run_list()
  local list = {}
  for _, r in ipairs(runs) do
    list[#list + 1] = { r = r, name = { fr = ("%s (%s paramètres, %s jetons)"):format(r.name, fmt(r.n, "fr"), fmt(r.d, "fr")),
                                        en = ("%s (%s parameters, %s tokens)"):format(r.name, fmt(r.n), fmt(r.d)) } }
  end
  return list
end

local function budget_list()
  local list = {}
  for _, c in ipairs(budgets) do
    list[#list + 1] = { c = c, name = { fr = ("budget de %s FLOP"):format(fmt(c, "fr")), en = ("budget of %s FLOPs"):format(fmt(c)) } }
  end
  return list
end

return {
  id = "scaling-laws",
  title = { fr = "Lois d'échelle : la taille optimale d'un modèle", en = "Scaling laws: the compute-optimal model size" },
  text = {
    fr = [[
# Lois d'échelle : la taille optimale d'un modèle

Avec un budget de calcul donné, vaut-il mieux un grand modèle entraîné sur peu de données, ou un
plus petit entraîné plus longtemps ?

## Le coût d'un entraînement

Un transformeur de `N` paramètres coûte environ 2 FLOP par paramètre et par jeton pour la passe
avant, 4 pour la rétropropagation. Pour `D` jetons d'entraînement :

```
C ≈ 6 × N × D   (FLOP)
```

C'est la règle de l'exercice 5, une approximation : elle oublie l'attention et compte les tables
de plongement, qui ne sont que lues ; `usine.predict` trouve de 3 % à 20 % de plus sur les modèles
préréglés essayés ici, selon la longueur de séquence et le vocabulaire. GPT-3 (Brown et al.,
2020) : 175 milliards de paramètres sur 300 milliards de jetons, soit C ≈ 3,14 × 10²³ FLOP.

## Chinchilla

Hoffmann et al. (« Training Compute-Optimal Large Language Models », DeepMind, NeurIPS 2022) ont
entraîné plus de 400 modèles, de 70 millions à plus de 16 milliards de paramètres. Pour un budget `C`
fixé, la perte est minimale quand `N` et `D` croissent **ensemble** : `N_opt ∝ C^a` et
`D_opt ∝ C^b` avec `a ≈ b ≈ 0,5` (0,50 et 0,50 par leur première méthode ; 0,49 et 0,51 par la
deuxième ; 0,46 et 0,54 par la troisième). En pratique, environ **20 jetons par paramètre** :
Chinchilla (70 milliards de paramètres, 1 400 milliards de jetons) bat Gopher (280 milliards,
300 milliards de jetons) au même budget.

Avec `D = 20 × N`, la règle `C = 6 × N × D` ne garde qu'une inconnue : à vous d'en tirer `N_opt`
et `D_opt` pour un budget.

Deux approximations : les exposants valent 0,5, et le rapport 20 ne dépend pas du budget (ni des
données, ni de l'architecture).

Leur troisième méthode ajuste aussi la perte elle-même :
`L(N, D) = E + A / N^α + B / D^β` avec `E = 1,69`, `A = 406,4`, `B = 410,7`, `α = 0,34`,
`β = 0,28` (leur équation 10). Une tentative de reproduction (Besiroglu et al., Epoch AI, 2024)
retrouve d'autres constantes : prenez cette formule comme une illustration.

## Sous-entraîné, « surentraîné »

- **GPT-3** : 300 / 175 ≈ 1,7 jeton par paramètre. Pour son budget, Chinchilla aurait pris
  environ 51 milliards de paramètres sur environ 1 000 milliards de jetons :
  GPT-3 est **sous-entraîné**.
- **Llama 3 405B** (Meta, « The Llama 3 Herd of Models », 2024) : 15 600 milliards de jetons, soit
  environ 38 par paramètre, deux fois la règle, pour C ≈ 3,8 × 10²⁵ FLOP. Les Llama 3 8B et 70B,
  entraînés sur plus de 15 000 milliards de jetons, vont bien plus loin. C'est voulu : un modèle
  plus petit coûte moins cher à **servir** (environ 2 × N FLOP par jeton généré), et on le sert
  des milliards de fois. Les propres lois d'échelle de Meta, ajustées sur leurs données, placent
  d'ailleurs l'optimum de ce budget vers 402 milliards de paramètres et 16 550 milliards de jetons.

## Combien de temps ?

La machine fournit `GPU × crête × MFU` FLOP utiles par seconde (le MFU, vu à l'exercice 5, est la
part de la crête que tient l'entraînement ; `usine.predict` le prédit pour un plan). Par exemple
3,14 × 10²³ FLOP sur 1 024 H100 (989 TFLOP/s en bf16) à 40 % de MFU prennent environ 9 jours.

## À faire

1. `tokens_for(flops, params)` : le nombre de jetons qu'un budget de `flops` FLOP permet de donner
   à un modèle de `params` paramètres (la question inverse de l'exercice 5) ;
2. `optimal_params(flops)` : le `N_opt` de Chinchilla pour un budget ;
3. `optimal_tokens(flops)` : son `D_opt` ;
4. `data_ratio(params, tokens)` : les jetons d'un entraînement rapportés à ceux de la règle de
   Chinchilla pour ce modèle (1 : selon la règle ; moins : sous-entraîné ; plus : « surentraîné ») ;
5. `train_days(flops, gpus, peak_tflops, mfu)` : la durée en jours d'un budget sur `gpus` GPU de
   crête `peak_tflops` (TFLOP/s) au MFU donné ; elle sera comparée à `usine.predict` sur Jean Zay
   et Alice Recoque, avec les FLOP, la crête et le MFU de la prédiction ;
6. `loss(params, tokens)` : la perte ajustée par Chinchilla.

Sources : J. Hoffmann et al., « Training Compute-Optimal Large Language Models », arXiv 2203.15556,
NeurIPS 2022 ; T. Brown et al., « Language Models are Few-Shot Learners », NeurIPS 2020 ; Meta,
« The Llama 3 Herd of Models », 2024 ; J. Kaplan et al., « Scaling Laws for Neural Language
Models », 2020 (C ≈ 6ND) ; T. Besiroglu et al., « Chinchilla Scaling: A replication attempt »,
2024 ; fichiers de plateforme d'Usine (crêtes, dont celle, supposée, du MI430X).
]],
    en = [[
# Scaling laws: the compute-optimal model size

With a given compute budget, is a large model trained on little data better, or a smaller one
trained for longer?

## The cost of a training run

A transformer of `N` parameters costs about 2 FLOPs per parameter and per token for the forward
pass, 4 for the backward pass. For `D` training tokens:

```
C ≈ 6 × N × D   (FLOPs)
```

It is exercise 5's rule, an approximation: it leaves out the attention and counts the embedding
tables, which are only read; `usine.predict` finds 3 % to 20 % more on the preset models tried
here, depending on the sequence length and the vocabulary. GPT-3 (Brown et al., 2020): 175 billion
parameters on 300 billion tokens, so C ≈ 3.14 × 10²³ FLOPs.

## Chinchilla

Hoffmann et al. ("Training Compute-Optimal Large Language Models", DeepMind, NeurIPS 2022) trained
over 400 models, from 70 million to over 16 billion parameters. For a fixed budget `C`, the loss is
lowest when `N` and `D` grow **together**: `N_opt ∝ C^a` and `D_opt ∝ C^b` with `a ≈ b ≈ 0.5`
(0.50 and 0.50 by their first approach; 0.49 and 0.51 by the second; 0.46 and 0.54 by the third).
In practice, about **20 tokens per parameter**: Chinchilla (70 billion parameters, 1.4 trillion
tokens) beats Gopher (280 billion, 300 billion tokens) at the same budget.

With `D = 20 × N`, the rule `C = 6 × N × D` keeps one unknown only: yours to solve for `N_opt`
and `D_opt` for a budget.

Two approximations: the exponents are 0.5, and the ratio 20 depends neither on the budget nor on
the data or the architecture.

Their third approach also fits the loss itself: `L(N, D) = E + A / N^α + B / D^β` with `E = 1.69`,
`A = 406.4`, `B = 410.7`, `α = 0.34`, `β = 0.28` (their equation 10). A replication attempt
(Besiroglu et al., Epoch AI, 2024) finds other constants: take this formula as an illustration.

## Undertrained, "overtrained"

- **GPT-3**: 300 / 175 ≈ 1.7 tokens per parameter. For its budget, Chinchilla would have taken
  about 51 billion parameters on about 1 trillion tokens: GPT-3 is
  **undertrained**.
- **Llama 3 405B** (Meta, "The Llama 3 Herd of Models", 2024): 15.6 trillion tokens, about 38 per
  parameter, twice the rule, for C ≈ 3.8 × 10²⁵ FLOPs. Llama 3 8B and 70B, trained on more than 15
  trillion tokens, go much further. It is on purpose: a smaller model is cheaper to **serve**
  (about 2 × N FLOPs per generated token), and it is served billions of times. Meta's own scaling
  laws, fitted on their data, actually put this budget's optimum near 402 billion parameters and
  16.55 trillion tokens.

## How long?

The machine delivers `GPUs × peak × MFU` useful FLOP/s (the MFU, seen in exercise 5, is the
fraction of the peak that training sustains; `usine.predict` predicts it for a plan). For example
3.14 × 10²³ FLOPs on 1,024 H100s (989 TFLOP/s in bf16) at 40 % MFU take about 9 days.

## Your task

1. `tokens_for(flops, params)`: how many tokens a budget of `flops` FLOPs can give a model of
   `params` parameters (exercise 5's question, the other way round);
2. `optimal_params(flops)`: Chinchilla's `N_opt` for a budget;
3. `optimal_tokens(flops)`: its `D_opt`;
4. `data_ratio(params, tokens)`: a run's tokens relative to those of Chinchilla's rule for that
   model (1: as the rule; less: undertrained; more: "overtrained");
5. `train_days(flops, gpus, peak_tflops, mfu)`: how many days a budget takes on `gpus` GPUs of
   peak `peak_tflops` (TFLOP/s) at the given MFU; it will be compared with `usine.predict` on Jean
   Zay and Alice Recoque, with the prediction's FLOPs, peak and MFU;
6. `loss(params, tokens)`: Chinchilla's fitted loss.

Sources: J. Hoffmann et al., "Training Compute-Optimal Large Language Models", arXiv 2203.15556,
NeurIPS 2022; T. Brown et al., "Language Models are Few-Shot Learners", NeurIPS 2020; Meta, "The
Llama 3 Herd of Models", 2024; J. Kaplan et al., "Scaling Laws for Neural Language Models", 2020
(C ≈ 6ND); T. Besiroglu et al., "Chinchilla Scaling: A replication attempt", 2024; Usine's platform
files (peaks, among them the MI430X's, which is assumed).
]],
  },
  concepts = {
    fr = { "calcul d'un entraînement", "loi d'échelle", "Chinchilla", "jetons par paramètre", "MFU", "temps d'entraînement" },
    en = { "training compute", "scaling law", "Chinchilla", "tokens per parameter", "MFU", "training time" },
  },
  difficulty = 2,
  minutes = 35,
  platform = "jean-zay",
  scenario = { partition = "h100" },
  -- What a submission may use of usine. Nothing of usine: every function takes numbers (usine.predict would give the days).
  allow = {},
  limits = { seconds = 10 },
  starter = [[
-- Exercice 13 : lois d'échelle / Exercise 13: scaling laws

-- Jetons qu'offre un budget / tokens a budget buys
function tokens_for(flops, params)
  return nil
end

-- Chinchilla : paramètres et jetons optimaux pour un budget / optimal parameters and tokens
function optimal_params(flops)
  return 0
end

function optimal_tokens(flops)
  return 0
end

-- Jetons rapportés à la règle de Chinchilla / tokens relative to Chinchilla's rule
function data_ratio(params, tokens)
  return nil
end

-- Durée d'un budget en jours / how many days a budget takes
function train_days(flops, gpus, peak_tflops, mfu)
  return 0
end

-- Perte ajustée par Chinchilla / Chinchilla's fitted loss
function loss(params, tokens)
  return 1.69
end
]],
  checks = {
    {
      id = "tokens-for",
      title = { fr = "Les jetons qu'offre un budget", en = "The tokens a budget buys" },
      points = 1,
      hint = { fr = "C = 6 N D, lu dans l'autre sens : le budget et la taille fixent D.",
               en = "C = 6 N D read the other way: the budget and the size set D." },
      run = function(s, ctx)
        -- each run's budget given to another run's model, and drawn pairs
        local list = {}
        for i = 1, #runs do
          local c, n = ref.flops(runs[i].n, runs[i].d), runs[i % #runs + 1].n
          list[#list + 1] = { c = c, n = n, name = { fr = ("budget de %s FLOP, %s paramètres"):format(fmt(c, "fr"), fmt(n, "fr")),
                                                     en = ("budget of %s FLOPs, %s parameters"):format(fmt(c), fmt(n)) } }
        end
        return usine.cases(ctx, list, function(k) return s.tokens_for(k.c, k.n), ref.tokens_for(k.c, k.n) end, {
          unit = { fr = "jetons", en = "tokens" },
          slip = function(k, got)
            if type(got) == "number" and usine.near(got, k.c / (2 * k.n), 0.01) then
              return { fr = "2 N par jeton est la passe avant seule : un pas d'entraînement en fait 6 N", en = "2 N per token is the forward pass alone: a training step does 6 N" }
            end
          end })
      end,
    },
    {
      id = "params",
      title = { fr = "Paramètres optimaux selon Chinchilla", en = "Compute-optimal parameters (Chinchilla)" },
      points = 2,
      hint = { fr = "Remplacez D par 20 N dans C = 6 N D, puis tirez-en N.",
               en = "Put D = 20 N into C = 6 N D, then solve for N." },
      run = function(s, ctx)
        return usine.cases(ctx, budget_list(), function(c) return s.optimal_params(c.c), nopt(c.c) end, {
          unit = { fr = "paramètres", en = "parameters" },
          slip = function(c, got)
            if type(got) == "number" and usine.near(got, math.sqrt(c.c / 6), 0.01) then
              return { fr = "√(C / 6) suppose D = N : la règle veut 20 jetons par paramètre", en = "√(C / 6) assumes D = N: the rule wants 20 tokens per parameter" }
            end
            if type(got) == "number" and usine.near(got, c.c / 120, 0.01) then
              return { fr = "C = 120 N² : il faut une racine carrée", en = "C = 120 N²: it takes a square root" }
            end
          end })
      end,
    },
    {
      id = "tokens",
      title = { fr = "Jetons optimaux selon Chinchilla", en = "Compute-optimal tokens (Chinchilla)" },
      points = 2,
      hint = { fr = "Environ 20 jetons par paramètre ; vérifiez que 6 × N_opt × D_opt redonne le budget.",
               en = "About 20 tokens per parameter; check that 6 × N_opt × D_opt gives the budget back." },
      run = function(s, ctx)
        return usine.cases(ctx, budget_list(), function(c) return s.optimal_tokens(c.c), ref.dopt(c.c) end, { unit = { fr = "jetons", en = "tokens" } })
      end,
    },
    {
      id = "ratio",
      title = { fr = "Sous-entraîné ou « surentraîné » ?", en = "Undertrained or \"overtrained\"?" },
      points = 1,
      hint = { fr = "La règle donne un nombre de jetons pour un nombre de paramètres ; comparez-lui les jetons réellement vus.",
               en = "The rule gives a number of tokens for a number of parameters; compare the tokens actually seen with it." },
      run = function(s, ctx)
        return usine.cases(ctx, run_list(), function(c) return s.data_ratio(c.r.n, c.r.d), ref.ratio(c.r.n, c.r.d) end, {
          slip = function(c, got)
            if type(got) == "number" and usine.near(got, 1 / ref.ratio(c.r.n, c.r.d), 0.01) then
              return { fr = "le rapport est inversé : jetons vus sur jetons de la règle", en = "the ratio is upside down: tokens seen over the rule's tokens" }
            end
          end })
      end,
    },
    {
      id = "days",
      title = { fr = "Durée d'un budget sur Jean Zay et Alice Recoque", en = "Time of a budget on Jean Zay and Alice Recoque" },
      points = 3,
      hint = { fr = "FLOP utiles par seconde de la machine : GPU × crête × MFU ; la crête est en TFLOP/s (10¹² FLOP/s) et un jour a 86 400 s.",
               en = "Useful FLOP/s of the machine: GPUs × peak × MFU; the peak is in TFLOP/s (10¹² FLOP/s) and a day has 86,400 s." },
      run = function(s, ctx)
        local list = {}
        for _, c in ipairs(time_cases) do
          local best = usine.plan { platform = c.platform, partition = c.partition, model = c.model, gpus = c.gpus,
                                    gbs = c.gbs, top = 1, cp = 1, seq_parallel = false, flash = false, dp_overlap = true }.plans[1]
          local r = usine.predict { platform = c.platform, partition = c.partition, model = c.model, gpus = c.gpus,
                                    gbs = c.gbs, tp = best.tp, pp = best.pp, vpp = best.vpp, mbs = best.mbs,
                                    zero = best.zero, recompute = best.recompute, tokens = c.tokens }
          local flops = r.model_flops_step * r.steps
          list[#list + 1] = { flops = flops, gpus = c.gpus, peak = r.peak_tflops, mfu = r.mfu, want = r.time_to_train_s / 86400, name = {
            fr = ("%s (%s FLOP, crête %s TFLOP/s, MFU %s)"):format(label(c, "fr"), fmt(flops, "fr"), fmt(r.peak_tflops, "fr"), fmt(r.mfu, "fr")),
            en = ("%s (%s FLOPs, peak %s TFLOP/s, MFU %s)"):format(label(c, "en"), fmt(flops), fmt(r.peak_tflops), fmt(r.mfu)) } }
        end
        -- and as many budgets on machines drawn from the grading seed
        for _ = 1, 8 do
          local k = { flops = math.random(1, 999) * 10 ^ math.random(20, 25), gpus = math.random(8, 16384),
                      peak = math.random(100, 2500), mfu = math.random(20, 60) / 100 }
          k.want = ref.days(k.flops, k.gpus, k.peak, k.mfu)
          k.name = { fr = ("%s FLOP sur %d GPU de %s TFLOP/s, MFU %s"):format(fmt(k.flops, "fr"), k.gpus, fmt(k.peak, "fr"), fmt(k.mfu, "fr")),
                     en = ("%s FLOPs on %d GPUs of %s TFLOP/s, MFU %s"):format(fmt(k.flops), k.gpus, fmt(k.peak), fmt(k.mfu)) }
          list[#list + 1] = k
        end
        return usine.cases(ctx, list, function(k) return s.train_days(k.flops, k.gpus, k.peak, k.mfu), k.want end, {
          unit = { fr = "jours", en = "days" },
          slip = function(k, got)
            if type(got) == "number" and usine.near(got, k.want * 24, 0.01) then
              return { fr = "ce sont des heures : un jour en a 24", en = "those are hours: a day has 24" }
            end
          end })
      end,
    },
    {
      id = "loss",
      title = { fr = "Perte ajustée de Chinchilla", en = "Chinchilla's fitted loss" },
      points = 2,
      hint = { fr = "Une perte irréductible, plus un terme qui baisse avec les paramètres et un autre qui baisse avec les jetons.",
               en = "An irreducible loss, plus one term that falls with the parameters and another that falls with the tokens." },
      run = function(s, ctx)
        local list = {}
        for _, c in ipairs(loss_cases) do
          list[#list + 1] = { n = c[1], d = c[2], name = { fr = ("N = %s, D = %s"):format(fmt(c[1], "fr"), fmt(c[2], "fr")),
                                                           en = ("N = %s, D = %s"):format(fmt(c[1]), fmt(c[2])) } }
        end
        -- losses of different models differ by a few hundredths: the tolerance is 1e-4, not 1 %
        return usine.cases(ctx, list, function(c) return s.loss(c.n, c.d), ref.loss(c.n, c.d) end, { rel = 1e-4 })
      end,
    },
  },
}
