-- Exercise 11: energy, carbon and cost of a training run.
-- Concepts: IT power, PUE, energy in MWh, carbon intensity of a grid, electricity cost, energy per
-- token. Difficulty 2, 35 minutes. Platform: Jean Zay (French grid); the checks also use Alice
-- Recoque, JUPITER and Frontier.
-- The carbon intensities of the grids the exercise compares are data of this file (with their
-- sources), not of the C code; France's is read from the platform file (RTE, eCO2mix).

local jz = usine.platform("jean-zay")
local alice = usine.platform("alice-recoque")
local jupiter = usine.platform("jupiter")
local frontier = usine.platform("frontier")

local function fmt(x, lang) return usine.num(x, { lang = lang, sig = 6, trim = true }) end

-- Grids, gCO2e per kWh. Each figure with its source; they are orders of magnitude for a year, not
-- the hourly intensity a data centre actually sees.
local grids = {
  { fr = "France", en = "France", in_fr = "en France", in_en = "in France", g = jz:facility().carbon_g_per_kwh,
    src_fr = "RTE, eCO2mix, bilan 2023, d'après les fichiers de plateforme d'Usine",
    src_en = "RTE, eCO2mix, 2023 review, from Usine's platform files" },
  { fr = "Québec", en = "Quebec", in_fr = "au Québec", in_en = "in Quebec", g = 0.36,
    src_fr = "Hydro-Québec : 360 t de CO2 par TWh produit ou acheté en 2016, émissions directes ; environ 10 g sur le cycle de vie d'une centrale à réservoir nordique, selon Hydro-Québec",
    src_en = "Hydro-Québec: 360 t of CO2 per TWh generated or bought in 2016, direct emissions; about 10 g over the life cycle of a northern reservoir plant, per Hydro-Québec" },
  { fr = "États-Unis (moyenne)", en = "United States (average)", in_fr = "aux États-Unis (moyenne)",
    in_en = "in the United States (average)", g = 367,
    src_fr = "EIA : environ 0,81 lb de CO2 par kWh produit en 2023",
    src_en = "EIA: about 0.81 lb of CO2 per kWh generated in 2023" },
  { fr = "Allemagne", en = "Germany", in_fr = "en Allemagne", in_en = "in Germany", g = 380,
    src_fr = "Umweltbundesamt, estimation du facteur d'émission du mix électrique 2023",
    src_en = "Umweltbundesamt, estimated emission factor of the 2023 electricity mix" },
  { fr = "Pologne", en = "Poland", in_fr = "en Pologne", in_en = "in Poland", g = 666,
    src_fr = "Forum Energii, « Energy Transformation in Poland », édition 2024, chiffre de 2023",
    src_en = "Forum Energii, \"Energy Transformation in Poland\", 2024 edition, 2023 figure" },
}

local function grid_list(lang)
  local lines = {}
  for i, g in ipairs(grids) do
    local last = i == #grids
    if lang == "fr" then
      local value = fmt(g.g, "fr")
      lines[#lines + 1] = ("- %s : %s gCO2e/kWh (%s)%s"):format(g.fr, value, g.src_fr, last and "." or " ;")
    else
      lines[#lines + 1] = ("- %s: %s gCO2e/kWh (%s)%s"):format(g.en, fmt(g.g), g.src_en, last and "." or ";")
    end
  end
  return table.concat(lines, "\n")
end

-- A month of a whole partition at full load, on several machines.
local month_h = 30 * 24
local power_cases = {
  { jz, "h100", month_h }, { jz, "a100", 24 }, { alice, "gpu", month_h }, { jupiter, "booster", 7 * 24 },
  { frontier, "mi250x", 1000 },
  { ({ jz, alice, jupiter })[math.random(1, 3)], nil, math.random(1, 2000) },   -- drawn from the grading seed
}
do
  local c = power_cases[#power_cases]
  c[2] = c[1].id == "jean-zay" and ({ "h100", "a100", "v100" })[math.random(1, 3)] or (c[1].id == "jupiter" and "booster" or "gpu")
end
-- Energies in MWh for the carbon and cost checks: round ones, and more drawn from the grading seed
-- (drawn cases outnumber fixed ones in every check, so answers harvested in practice do not carry
-- into an exam).
local energies = { 47, 1000, 12.5 }
for _ = 1, 5 do energies[#energies + 1] = math.random(1, 50000) / 10 end
local ref = usine.reference("energy")

-- Runs: model, machine, size, tokens. The plan is the planner's best, found in the check.
local run_cases = {
  { platform = "jean-zay", partition = "h100", model = "llama3-8b", gpus = 1024, gbs = 512, tokens = 1.5e12 },
  { platform = "jean-zay", partition = "a100", model = "bloom-176b", gpus = 384, gbs = 1536, tokens = 3.66e11 },
  { platform = "alice-recoque", partition = "gpu", model = "llama3-70b", gpus = 4096, gbs = 2048, tokens = 1.5e13 },
  { platform = "jupiter", partition = "booster", model = "llama3-70b", gpus = 4096, gbs = 2048, tokens = 2e12 },
  { platform = "frontier", partition = "mi250x", model = "gpt3-175b", gpus = 3072, gbs = 1536, tokens = 3e11 },
}

-- The predict options of a run case, with the planner's best plan.
local function run_opts(c)
  local best = usine.plan { platform = c.platform, partition = c.partition, model = c.model, gpus = c.gpus,
                            gbs = c.gbs, top = 1, cp = 1, seq_parallel = false, flash = false, dp_overlap = true }.plans[1]
  return { platform = c.platform, partition = c.partition, model = c.model, gpus = c.gpus, gbs = c.gbs,
           tp = best.tp, pp = best.pp, vpp = best.vpp, mbs = best.mbs, zero = best.zero,
           recompute = best.recompute, tokens = c.tokens }
end

-- One run case as the checks see it: the prediction (with its own energy_mwh, carbon_t, cost_eur,
-- the expected values) and what the student's functions receive: the platform and the three
-- fields of the prediction that the footprint starts from, never the footprint itself. Each
-- prediction is made once per submission: three footprint cases, a slip and the per-token check
-- ask for it.
local predictions = {}
local function predicted(c)
  local r = predictions[c] or usine.predict(run_opts(c))
  predictions[c] = r
  return r, usine.platform(c.platform), { power_it_mw = r.power_it_mw, wall_time_s = r.wall_time_s, tokens = r.tokens }
end

-- Runs drawn from the grading seed: a power, a wall time and tokens on one of the machines.
local drawn_runs = {}
for i = 1, 6 do
  local p = usine.platform(run_cases[math.random(1, #run_cases)].platform)
  drawn_runs[i] = { p = p, run = { power_it_mw = math.random(1, 3000) / 100, wall_time_s = math.random(1, 120) * 86400 / 2,
                                   tokens = math.random(1, 200) * 1e11 } }
end
local function drawn_label(d, lang)
  return (lang == "fr" and "%s : %s MW IT pendant %s jours, %s jetons" or "%s: %s MW of IT for %s days, %s tokens"):format(
    d.p.id, fmt(d.run.power_it_mw, lang), fmt(d.run.wall_time_s / 86400, lang), fmt(d.run.tokens, lang))
end

local function label(c, lang)
  if lang == "fr" then
    return ("%s %s/%s, %d GPU, %s jetons"):format(c.model, c.platform, c.partition, c.gpus, fmt(c.tokens, "fr"))
  end
  return ("%s %s/%s, %d GPUs, %s tokens"):format(c.model, c.platform, c.partition, c.gpus, fmt(c.tokens))
end

local text_fr = [[
# Énergie et carbone d'un entraînement

Un entraînement consomme de l'électricité : celle de la machine (la **puissance informatique**, ou
IT) et celle de tout ce qui, autour d'elle, la fait tourner (refroidissement, conversion électrique,
éclairage…).

## Puissance, PUE, énergie

- La **puissance IT** d'une tâche est celle des nœuds qu'elle occupe, à pleine charge (GPU, CPU,
  mémoire, cartes réseau, ventilateurs), plus sa part des commutateurs. Dans l'API :
  `p:totals(id).power_it_mw` pour une partition entière, `usine.predict{…}.power_it_mw` pour une
  tâche.
- Le **PUE** (*Power Usage Effectiveness*, The Green Grid, 2007 ; norme ISO/IEC 30134-2) est le
  rapport entre la puissance de tout le centre et la puissance IT : 1,0 serait parfait. La moyenne
  mondiale tourne autour de 1,6 (Uptime Institute, enquête 2024 : 1,56) ; un refroidissement direct
  à l'eau tiède le fait descendre entre 1,03 et 1,1 (fichiers de Frontier, d'Alice Recoque et de
  JUPITER, valeurs rapportées ou supposées). Dans l'API : `p:facility().pue`.
- L'**énergie** est la puissance fois la durée :

```
énergie (MWh) = puissance IT (MW) × durée (h) × PUE
```

Exemple : toute la partition H100 de Jean Zay à pleine charge, 1,51 MW IT avec ses commutateurs,
pendant 24 h avec un PUE de 1,3 : 1,51 × 24 × 1,3 ≈ 47 MWh.

## Carbone et coût

L'**intensité carbone** d'un réseau électrique, en grammes d'équivalent CO2 par kWh, dépend de la
façon dont il produit son électricité. Comme 1 MWh = 1 000 kWh et 1 t = 10⁶ g :

```
énergie (kWh) = énergie (MWh) × 1 000
carbone (t)   = énergie (kWh) × intensité (g/kWh) / 10⁶
coût (EUR)    = énergie (kWh) × prix (EUR/kWh)
```

Les 47 MWh de l'exemple émettent environ 1,5 t de CO2e sur le réseau français
(`p:facility().carbon_g_per_kwh`) et coûtent environ 7 000 EUR à 0,15 EUR/kWh
(`p:facility().price_eur_per_kwh`, un ordre de grandeur, pas un prix contractuel ; 0 quand le
fichier n'en donne pas).

Le même entraînement émet très différemment selon le réseau qui l'alimente (moyennes annuelles de
la production, CO2 seul ou CO2e selon la source : des ordres de grandeur ; l'intensité varie aussi
d'heure en heure) :

GRIDS

Pour BLOOM (176 milliards de paramètres), entraîné sur les A100 de Jean Zay, Luccioni, Viguier et
Ligozat (« Estimating the Carbon Footprint of BLOOM », JMLR, 2023) comptent environ 433 MWh et
25 t de CO2e pour l'entraînement final, avec 57 gCO2e/kWh pour le réseau français de l'époque ; en
ajoutant la fabrication du matériel et la consommation au repos, environ le double.

## L'énergie d'un entraînement prédit

`usine.predict{platform = …, partition = …, model = …, gpus = …, gbs = …, tp = …, …, tokens = D}`
(ou `usine predict … --tokens D` dans un terminal) prédit un entraînement de `D` jetons. Ses
champs : `power_it_mw` (la puissance IT de la tâche), `wall_time_s` (le temps pendant lequel la
machine est occupée, **pannes et points de reprise compris**, voir l'exercice suivant ;
`time_to_train_s` est le temps sans pannes), et ses propres `energy_mwh`, `carbon_t` et `cost_eur`
avec le PUE, l'intensité et le prix de la plateforme : vos calculs doivent les retrouver. Votre
rendu n'appelle pas `usine.predict` (il n'y est pas disponible : il donnerait la réponse) ; les
vérifications le font et vous passent ce dont l'empreinte part :
`run = { power_it_mw = …, wall_time_s = …, tokens = D }`.

Pour comparer des machines, ramenez l'énergie au travail fait : les **joules par jeton**
(1 MWh = 3,6 × 10⁹ J).

## À faire

1. `energy_mwh(power_mw, hours, pue)` : l'énergie du centre, en MWh ;
2. `carbon_t(energy_mwh, g_per_kwh)` : les émissions, en tonnes de CO2e ;
3. `cost_eur(energy_mwh, eur_per_kwh)` : le coût de l'électricité, en euros ;
4. `run_footprint(p, run)` : pour l'entraînement prédit `run` (ci-dessus) sur la plateforme `p`,
   la table `{ energy_mwh = …, carbon_t = …, cost_eur = … }` calculée avec vos trois fonctions à
   partir de la puissance et du temps prédits et des chiffres de la plateforme (`p:facility()`,
   la seule partie de `usine` dont dispose votre rendu) ;
5. `joules_per_token(p, run)` : l'énergie du centre par jeton d'entraînement, en J ;
6. `days_within(carbon_t, power_it_mw, pue, g_per_kwh)` : la question inverse : combien de jours
   une machine de `power_it_mw` MW IT peut tourner à pleine charge avant d'avoir émis `carbon_t`
   tonnes de CO2e, sur un réseau à `g_per_kwh` g/kWh.

Les vérifications essaient Jean Zay (H100 et A100), Alice Recoque, JUPITER et Frontier, avec
Llama 3 8B et 70B, BLOOM 176B et GPT-3 175B, et les réseaux électriques ci-dessus.

Sources : fichiers de plateforme d'Usine (puissances, PUE, intensité et prix, chacun sourcé ou
marqué comme hypothèse) ; sources des intensités ci-dessus ; The Green Grid, « The Green Grid
Power Efficiency Metrics: PUE and DCiE », 2007 ; Uptime Institute, Global Data Center Survey 2024.
]]

local text_en = [[
# Energy and carbon of a training run

A training run uses electricity: that of the machine itself (the **IT power**) and that of
everything around it that keeps it running (cooling, power conversion, lighting...).

## Power, PUE, energy

- A job's **IT power** is that of the nodes it holds at full load (GPUs, CPUs, memory, NICs, fans)
  plus its share of the switches. In the API: `p:totals(id).power_it_mw` for a whole partition,
  `usine.predict{...}.power_it_mw` for a job.
- The **PUE** (*Power Usage Effectiveness*, The Green Grid, 2007; ISO/IEC 30134-2 standard) is the
  ratio of the whole centre's power to the IT power: 1.0 would be perfect. The world average is
  about 1.6 (Uptime Institute, 2024 survey: 1.56); direct warm-water cooling brings it down to
  between 1.03 and 1.1 (the files of Frontier, Alice Recoque and JUPITER, values reported or
  assumed). In the API: `p:facility().pue`.
- **Energy** is power times duration:

```
energy (MWh) = IT power (MW) × duration (h) × PUE
```

Example: Jean Zay's whole H100 partition at full load, 1.51 MW of IT with its switches, for 24 h
with a PUE of 1.3: 1.51 × 24 × 1.3 ≈ 47 MWh.

## Carbon and cost

The **carbon intensity** of a power grid, in grams of CO2 equivalent per kWh, depends on how it
generates its electricity. As 1 MWh = 1,000 kWh and 1 t = 10⁶ g:

```
energy (kWh) = energy (MWh) × 1,000
carbon (t)   = energy (kWh) × intensity (g/kWh) / 10⁶
cost (EUR)   = energy (kWh) × price (EUR/kWh)
```

The example's 47 MWh emit about 1.5 t of CO2e on the French grid
(`p:facility().carbon_g_per_kwh`) and cost about 7,000 EUR at 0.15 EUR/kWh
(`p:facility().price_eur_per_kwh`, an order of magnitude, not a contract price; 0 when the file
gives none).

The same run's emissions differ widely depending on the grid that feeds it (yearly averages of
generation, CO2 alone or CO2e depending on the source: orders of magnitude; the intensity also
changes from hour to hour):

GRIDS

For BLOOM (176 billion parameters), trained on Jean Zay's A100s, Luccioni, Viguier and Ligozat
("Estimating the Carbon Footprint of BLOOM", JMLR, 2023) count about 433 MWh and 25 t of CO2e for
the final training run, with 57 gCO2e/kWh for the French grid of the time; adding the making of the
hardware and idle consumption, about twice as much.

## The energy of a predicted run

`usine.predict{platform = ..., partition = ..., model = ..., gpus = ..., gbs = ..., tp = ..., ..., tokens = D}`
(or `usine predict ... --tokens D` in a terminal) predicts a run of `D` tokens. Its fields:
`power_it_mw` (the job's IT power), `wall_time_s` (the time the machine is held, **failures and
checkpoints included**, see the next exercise; `time_to_train_s` is the time without failures),
and its own `energy_mwh`, `carbon_t` and `cost_eur` with the platform's PUE, intensity and price:
your computations must find them again. Your submission does not call `usine.predict` (it is not
available there: it would give the answer); the checks do, and pass you what the footprint starts
from: `run = { power_it_mw = ..., wall_time_s = ..., tokens = D }`.

To compare machines, relate the energy to the work done: **joules per token**
(1 MWh = 3.6 × 10⁹ J).

## Your task

1. `energy_mwh(power_mw, hours, pue)`: the centre's energy, in MWh;
2. `carbon_t(energy_mwh, g_per_kwh)`: the emissions, in tonnes of CO2e;
3. `cost_eur(energy_mwh, eur_per_kwh)`: the cost of the electricity, in euros;
4. `run_footprint(p, run)`: for the predicted run `run` (above) on platform `p`, the table
   `{ energy_mwh = ..., carbon_t = ..., cost_eur = ... }` computed with your three functions from
   the predicted power and time and the platform's figures (`p:facility()`, the only part of
   `usine` your submission has);
5. `joules_per_token(p, run)`: the centre's energy per training token, in J;
6. `days_within(carbon_t, power_it_mw, pue, g_per_kwh)`: the question the other way round: how
   many days a machine of `power_it_mw` MW of IT can run at full load before it has emitted
   `carbon_t` tonnes of CO2e, on a grid at `g_per_kwh` g/kWh.

The checks try Jean Zay (H100 and A100), Alice Recoque, JUPITER and Frontier, with Llama 3 8B and
70B, BLOOM 176B and GPT-3 175B, and the grids above.

Sources: Usine's platform files (power, PUE, intensity and price, each sourced or marked as an
assumption); the sources of the intensities above; The Green Grid, "The Green Grid Power
Efficiency Metrics: PUE and DCiE", 2007; Uptime Institute, Global Data Center Survey 2024.
]]

return {
  id = "energy",
  title = { fr = "Énergie et carbone d'un entraînement", en = "Energy and carbon of a training run" },
  text = {
    fr = (text_fr:gsub("GRIDS", function() return grid_list("fr") end)),
    en = (text_en:gsub("GRIDS", function() return grid_list("en") end)),
  },
  concepts = {
    fr = { "puissance IT", "PUE", "énergie", "intensité carbone", "coût de l'électricité", "joules par jeton" },
    en = { "IT power", "PUE", "energy", "carbon intensity", "electricity cost", "joules per token" },
  },
  difficulty = 2,
  minutes = 35,
  platform = "jean-zay",
  scenario = { partition = "h100" },
  -- What a submission may use of usine. The facility's PUE, intensity and price; not usine.predict (its energy_mwh, carbon_t,
  -- cost_eur: the checks pass the predicted power and time) nor p:totals (power_facility_mw).
  allow = { "platform:facility" },
  limits = { seconds = 10 },
  starter = [[
-- Exercice 11 : énergie et carbone / Exercise 11: energy and carbon

-- Énergie du centre en MWh / the centre's energy in MWh
function energy_mwh(power_mw, hours, pue)
  return power_mw * hours
end

-- Émissions en tonnes de CO2e / emissions in tonnes of CO2e
function carbon_t(energy_mwh, g_per_kwh)
  return 0
end

-- Coût de l'électricité en euros / electricity cost in euros
function cost_eur(energy_mwh, eur_per_kwh)
  return 0
end

-- Empreinte d'un entraînement prédit / footprint of a predicted run
-- run = { power_it_mw = 1.2, wall_time_s = 8.6e5, tokens = 1.5e12 }
function run_footprint(p, run)
  local f = p:facility()   -- f.pue, f.carbon_g_per_kwh, f.price_eur_per_kwh
  return { energy_mwh = nil, carbon_t = nil, cost_eur = nil }
end

-- Énergie par jeton en J / energy per token in J
function joules_per_token(p, run)
  return 0
end

-- Jours dans un budget carbone / days within a carbon budget
function days_within(carbon_t, power_it_mw, pue, g_per_kwh)
  return nil
end
]],
  checks = {
    {
      id = "energy",
      title = { fr = "Énergie d'une partition à pleine charge", en = "Energy of a partition at full load" },
      points = 2,
      hint = { fr = "Les MW fois les heures donnent des MWh ; le PUE ajoute ce que consomme le centre autour de la machine.",
               en = "MW times hours gives MWh; the PUE adds what the centre uses around the machine." },
      run = function(s, ctx)
        local list = {}
        for _, c in ipairs(power_cases) do
          local p, id, h = c[1], c[2], c[3]
          local t, pue = p:totals(id), p:facility().pue
          list[#list + 1] = { it = t.power_it_mw, h = h, pue = pue, want = t.power_facility_mw * h, name = {
            fr = ("%s/%s, %s MW IT pendant %s h, PUE %s"):format(p.id, id, fmt(t.power_it_mw, "fr"), fmt(h, "fr"), fmt(pue, "fr")),
            en = ("%s/%s, %s MW of IT for %s h, PUE %s"):format(p.id, id, fmt(t.power_it_mw), fmt(h), fmt(pue)) } }
        end
        for _ = 1, 8 do
          local c = { it = math.random(1, 4000) / 100, h = math.random(1, 9000), pue = math.random(100, 180) / 100 }
          c.want = ref.energy_mwh(c.it, c.h, c.pue)
          c.name = { fr = ("%s MW IT pendant %s h, PUE %s"):format(fmt(c.it, "fr"), fmt(c.h, "fr"), fmt(c.pue, "fr")),
                     en = ("%s MW of IT for %s h, PUE %s"):format(fmt(c.it), fmt(c.h), fmt(c.pue)) }
          list[#list + 1] = c
        end
        return usine.cases(ctx, list, function(c) return s.energy_mwh(c.it, c.h, c.pue), c.want end, {
          unit = "MWh",
          slip = function(c, got)
            if type(got) == "number" and c.pue > 1.005 and usine.near(got, c.it * c.h, 0.002) then
              return { fr = "c'est l'énergie des machines seules : le PUE ajoute le refroidissement et le reste du centre",
                       en = "that is the machines' energy alone: the PUE adds the cooling and the rest of the centre" }
            end
          end })
      end,
    },
    {
      id = "carbon",
      title = { fr = "Carbone sur plusieurs réseaux", en = "Carbon on several grids" },
      points = 2,
      hint = { fr = "Des MWh aux kWh, des grammes aux tonnes : deux facteurs 1 000 et 10⁶ à placer dans le bon sens.",
               en = "From MWh to kWh, from grams to tonnes: factors of 1,000 and 10⁶, each the right way round." },
      run = function(s, ctx)
        local list = {}
        for _, e in ipairs(energies) do
          for _, g in ipairs(grids) do
            list[#list + 1] = { e = e, g = g.g, name = { fr = ("%s MWh %s (%s g/kWh)"):format(fmt(e, "fr"), g.in_fr, fmt(g.g, "fr")),
                                                          en = ("%s MWh %s (%s g/kWh)"):format(fmt(e), g.in_en, fmt(g.g)) } }
          end
        end
        return usine.cases(ctx, list, function(c) return s.carbon_t(c.e, c.g), c.e * 1000 * c.g / 1e6 end, { unit = "t" })
      end,
    },
    {
      id = "cost",
      title = { fr = "Coût de l'électricité", en = "Cost of the electricity" },
      points = 1,
      hint = { fr = "Le prix est par kWh ; l'énergie est en MWh.",
               en = "The price is per kWh; the energy is in MWh." },
      run = function(s, ctx)
        local list = {}
        local priced = { { 47, jz }, { 801.6, jupiter }, { 12.5, alice } }
        for i = 4, #energies do priced[#priced + 1] = { energies[i], ({ jz, jupiter, alice, frontier })[math.random(1, 4)] } end
        for _, c in ipairs(priced) do
          local price = c[2]:facility().price_eur_per_kwh
          list[#list + 1] = { e = c[1], price = price, name = { fr = ("%s MWh à %s EUR/kWh (%s)"):format(fmt(c[1], "fr"), fmt(price, "fr"), c[2].id),
                                                                en = ("%s MWh at %s EUR/kWh (%s)"):format(fmt(c[1]), fmt(price), c[2].id) } }
        end
        return usine.cases(ctx, list, function(c) return s.cost_eur(c.e, c.price), c.e * 1000 * c.price end, { unit = "EUR" })
      end,
    },
    {
      id = "footprint",
      title = { fr = "Empreinte d'un entraînement prédit", en = "Footprint of a predicted run" },
      points = 3,
      hint = { fr = "La puissance de la tâche et le temps pendant lequel elle occupe la machine (pannes comprises) sont dans la prédiction ; le PUE, l'intensité et le prix sont ceux de la plateforme. Attention : les secondes ne sont pas des heures.",
               en = "The job's power and the time it holds the machine (failures included) are in the prediction; the PUE, intensity and price are the platform's. Careful: seconds are not hours." },
      run = function(s, ctx)
        local list = {}
        for _, c in ipairs(run_cases) do
          for _, k in ipairs({ "energy_mwh", "carbon_t", "cost_eur" }) do
            list[#list + 1] = { c = c, key = k, name = { fr = ("%s, %s"):format(label(c, "fr"), k), en = ("%s, %s"):format(label(c, "en"), k) } }
          end
        end
        for _, d in ipairs(drawn_runs) do
          for _, k in ipairs({ "energy_mwh", "carbon_t", "cost_eur" }) do
            list[#list + 1] = { d = d, key = k, name = { fr = ("%s, %s"):format(drawn_label(d, "fr"), k), en = ("%s, %s"):format(drawn_label(d, "en"), k) } }
          end
        end
        -- what the student's function gets and what it should answer, for a predicted or a drawn run
        local function inputs(k)
          if k.d then return k.d.p, k.d.run, ref.footprint(k.d.p:facility(), k.d.run) end
          local r, p, run = predicted(k.c)
          return p, run, r
        end
        local answers = {}
        return usine.cases(ctx, list, function(k)
          local p, run, want = inputs(k)
          local whose = k.c or k.d
          if answers[whose] == nil then answers[whose] = s.run_footprint(p, run) end
          local got = answers[whose]
          if type(got) ~= "table" then return got, want[k.key] end
          return got[k.key], want[k.key]
        end, { abs = 1e-9,
               slip = function(k, got)
                 local _, _, r = inputs(k)
                 if type(got) == "number" and usine.near(got * 3600, r[k.key], 0.02) then
                   return { fr = "des secondes comptées comme des heures", en = "seconds counted as hours" }
                 end
               end })
      end,
    },
    {
      id = "per-token",
      title = { fr = "Énergie par jeton, d'une machine à l'autre", en = "Energy per token, machine to machine" },
      points = 2,
      hint = { fr = "L'énergie du centre pour tout l'entraînement, en joules, divisée par les jetons demandés.",
               en = "The centre's energy for the whole run, in joules, divided by the tokens asked for." },
      run = function(s, ctx)
        local list = {}
        for _, c in ipairs(run_cases) do list[#list + 1] = { c = c, name = { fr = label(c, "fr"), en = label(c, "en") } } end
        for _, d in ipairs(drawn_runs) do list[#list + 1] = { d = d, name = { fr = drawn_label(d, "fr"), en = drawn_label(d, "en") } } end
        return usine.cases(ctx, list, function(k)
          if k.d then
            return s.joules_per_token(k.d.p, k.d.run), ref.footprint(k.d.p:facility(), k.d.run).energy_mwh * 3.6e9 / k.d.run.tokens
          end
          local r, p, run = predicted(k.c)
          return s.joules_per_token(p, run), r.energy_mwh * 3.6e9 / r.tokens
        end, { unit = { fr = "J par jeton", en = "J per token" } })
      end,
    },
    {
      id = "days-within",
      title = { fr = "Combien de jours dans un budget carbone", en = "How many days within a carbon budget" },
      points = 2,
      hint = { fr = "Des tonnes aux grammes, des grammes aux kWh par l'intensité du réseau, des kWh aux heures par la puissance du centre (PUE compris).",
               en = "From tonnes to grams, from grams to kWh by the grid's intensity, from kWh to hours by the centre's power (PUE included)." },
      run = function(s, ctx)
        local list = {}
        for _ = 1, 16 do
          local g = grids[math.random(1, #grids)]
          local c = { t = math.random(1, 5000), it = math.random(5, 3000) / 100, pue = math.random(105, 160) / 100, g = g.g }
          c.want = ref.days_within(c.t, c.it, c.pue, c.g)
          c.name = { fr = ("%s t %s (%s g/kWh), %s MW IT, PUE %s"):format(fmt(c.t, "fr"), g.in_fr, fmt(g.g, "fr"), fmt(c.it, "fr"), fmt(c.pue, "fr")),
                     en = ("%s t %s (%s g/kWh), %s MW of IT, PUE %s"):format(fmt(c.t), g.in_en, fmt(g.g), fmt(c.it), fmt(c.pue)) }
          list[#list + 1] = c
        end
        return usine.cases(ctx, list, function(c) return s.days_within(c.t, c.it, c.pue, c.g), c.want end, {
          unit = { fr = "jours", en = "days" },
          slip = function(c, got)
            if type(got) == "number" and usine.near(got, c.want * c.pue, 0.01) then
              return { fr = "sans le PUE : le centre consomme plus que ses machines", en = "without the PUE: the centre uses more than its machines" }
            end
            if type(got) == "number" and usine.near(got, c.want * 24, 0.01) then
              return { fr = "ce sont des heures : un jour en a 24", en = "those are hours: a day has 24" }
            end
          end })
      end,
    },
  },
}
