-- Exercise 1: anatomy of a factory.
-- Concepts: partitions, nodes, accelerators, peak FLOP/s by precision, power at full load.
-- Difficulty 1, 20 minutes. Platform: Jean Zay (IDRIS/GENCI), every partition.
-- The checks call the student's four functions on every partition of several factories (Jean Zay,
-- the classroom, Alice Recoque, JUPITER) and on twice as many made-up factories drawn from the
-- grading seed, so an answer typed in for one partition, or harvested in practice, cannot pass.

local factories = {
  usine.platform("jean-zay"), usine.platform("classroom"), usine.platform("alice-recoque"),
  usine.platform("jupiter"),
}

local ref = usine.reference("anatomy")

-- A made-up factory beside each real one, drawn from the grading seed: its partitions have the
-- real ones' accelerators with other node counts, GPUs per node and node power.
local made = usine.reference("made-up")
local function made_up(p, k)
  return made.platform(p, ("%s-x%d"):format(p.id, k), function(part)
    part.nodes = math.random(1, 3000)
    part.gpus_per_node = part.gpus_per_node > 0 and ({ 1, 2, 4, 6, 8 })[math.random(1, 5)] or 0
    part.gpus = part.nodes * part.gpus_per_node
    part.node.power_w = math.random(300, 12000)
  end)
end

-- Every (platform, partition) pair the checks try: the real ones, and twice as many made up.
local all = {}
for _, p in ipairs(factories) do all[#all + 1] = p end
for _, p in ipairs(factories) do all[#all + 1] = made_up(p, 1) all[#all + 1] = made_up(p, 2) end
local function cases()
  local list = {}
  for _, p in ipairs(all) do
    for _, id in ipairs(p:partitions()) do list[#list + 1] = { p = p, id = id } end
  end
  return list
end
local function named(p, id)
  if not p.made_up then return p.id .. "/" .. id end
  local part = p:partition(id)
  return { fr = ("%s/%s (inventée : %s nœuds de %d GPU)"):format(p.id, id, usine.num(part.nodes, { lang = "fr", decimals = 0 }), part.gpus_per_node),
           en = ("%s/%s (made up: %s nodes of %d GPU%s)"):format(p.id, id, usine.num(part.nodes, { lang = "en", decimals = 0 }), part.gpus_per_node,
                                                                 part.gpus_per_node == 1 and "" or "s") }
end

return {
  id = "anatomy",
  title = { fr = "Anatomie d'une usine d'IA", en = "Anatomy of an AI factory" },
  text = {
    fr = [[
# Anatomie d'une usine d'IA

Une *usine d'IA* est un supercalculateur à GPU. Dans le fichier de plateforme d'Usine, elle se
décrit en **partitions** : chaque partition est un ensemble de **nœuds** identiques, et chaque nœud
porte un certain nombre d'**accélérateurs** (GPU) du même modèle. Jean Zay (IDRIS, GENCI) a trois
partitions GPU : `v100`, `a100` et `h100`.

La **puissance de crête** d'un accélérateur dépend de la précision des nombres : un H100 SXM fait
environ 989 TFLOP/s en bf16 (multiplications de matrices denses) et 67 TFLOP/s en fp64 sur ses
cœurs tenseurs (34 TFLOP/s en fp64 vectoriel, hors multiplications de matrices) ; les fichiers
d'Usine donnent pour le fp64 le chiffre des cœurs tenseurs. La crête d'une
partition est le nombre de GPU multiplié par la crête d'un GPU. C'est un plafond : un entraînement
réel en tient une fraction (le MFU, exercice 5).

La **puissance électrique** à pleine charge d'un nœud est la somme de celles de ses GPU, de ses
CPU et du reste (mémoire, réseau, ventilateurs, pertes) ; la plateforme la donne déjà :
`p:partition(id).node.power_w`.

Dans l'API :

```lua
local jz = usine.platform("jean-zay")
local part = jz:partition("h100")
-- part.nodes, part.gpus_per_node, part.node.power_w,
-- part.accelerator.peak_tflops.bf16
```

## À faire

Écrivez quatre fonctions qui reçoivent une plateforme `p` et l'identifiant d'une partition :

1. `gpus(p, id)` : le nombre de GPU de la partition ;
2. `peak_pflops(p, id, precision)` : sa crête en PFLOP/s dans la précision donnée (`"bf16"`,
   `"fp64"`…), 0 si l'accélérateur ne la fournit pas ;
3. `power_mw(p, id)` : la puissance de ses nœuds à pleine charge, en MW ;
4. `nodes_for(p, id, pflops, precision)` : la question inverse, celle d'un laboratoire qui demande
   du temps de calcul : combien de nœuds de cette partition il faut au moins pour atteindre `pflops`
   PFLOP/s de crête dans cette précision (un nœud ne se coupe pas).

Elles seront essayées sur toutes les partitions de Jean Zay, de la salle de classe, d'Alice Recoque
et de JUPITER, puis sur des usines inventées à chaque correction (mêmes accélérateurs, autres
nombres de nœuds et de GPU par nœud, autre puissance) : lisez les champs, n'écrivez rien en dur.

Sources : fichiers `jean-zay.xml`, `alice-recoque.xml` et `jupiter.xml` d'Usine (chaque chiffre y
porte sa source ou l'hypothèse qui le remplace) ; fiche technique NVIDIA H100.
]],
    en = [[
# Anatomy of an AI factory

An *AI factory* is a GPU supercomputer. In Usine's platform file it is described as
**partitions**: each partition is a set of identical **nodes**, and each node carries a number of
**accelerators** (GPUs) of one model. Jean Zay (IDRIS, GENCI) has three GPU partitions: `v100`,
`a100` and `h100`.

An accelerator's **peak** depends on the precision of the numbers: an H100 SXM does about
989 TFLOP/s in bf16 (dense matrix multiplications) and 67 TFLOP/s in fp64 on its tensor cores
(34 TFLOP/s in vector fp64, outside matrix multiplications); Usine's files give the tensor-core
figure for fp64. A partition's peak is its
number of GPUs times one GPU's peak. It is a ceiling: real training sustains a fraction of it (the
MFU, exercise 5).

A node's **power** at full load is the sum of the power of its GPUs, its CPUs and the rest
(memory, network, fans, losses); the platform already gives it: `p:partition(id).node.power_w`.

In the API:

```lua
local jz = usine.platform("jean-zay")
local part = jz:partition("h100")
-- part.nodes, part.gpus_per_node, part.node.power_w,
-- part.accelerator.peak_tflops.bf16
```

## Your task

Write four functions that take a platform `p` and a partition id:

1. `gpus(p, id)`: the partition's number of GPUs;
2. `peak_pflops(p, id, precision)`: its peak in PFLOP/s in the given precision (`"bf16"`,
   `"fp64"`, ...), 0 if the accelerator does not offer it;
3. `power_mw(p, id)`: the power of its nodes at full load, in MW;
4. `nodes_for(p, id, pflops, precision)`: the inverse question, a lab's asking for compute time:
   how many nodes of this partition at least reach `pflops` PFLOP/s of peak in that precision (a
   node does not split).

They will be tried on every partition of Jean Zay, the classroom, Alice Recoque and JUPITER, then
on factories made up at each grading (the same accelerators, other node counts, GPUs per node and
power): read the fields, hard-code nothing.

Sources: Usine's `jean-zay.xml`, `alice-recoque.xml` and `jupiter.xml` (each figure there carries
its source or the assumption that stands in for it); NVIDIA H100 datasheet.
]],
  },
  concepts = {
    fr = { "partition", "nœud", "accélérateur", "crête par précision", "puissance à pleine charge" },
    en = { "partition", "node", "accelerator", "peak by precision", "power at full load" },
  },
  difficulty = 1,
  minutes = 20,
  platform = "jean-zay",
  scenario = { partition = "h100" },
  -- What a submission may use of usine: the partition's fields; not p:totals, whose gpus,
  -- peak_pflops and power_it_mw are the answers.
  allow = { "platform:partition" },
  starter = [[
-- Exercice 1 : anatomie d'une usine d'IA / Exercise 1: anatomy of an AI factory
-- p = usine.platform("jean-zay"), id = "h100" par exemple / for example

function gpus(p, id)
  return 0
end

function peak_pflops(p, id, precision)
  return 0
end

function power_mw(p, id)
  return 0
end

function nodes_for(p, id, pflops, precision)
  return nil
end
]],
  checks = {
    {
      id = "gpus",
      title = { fr = "Nombre de GPU de chaque partition", en = "Number of GPUs of each partition" },
      points = 3,
      hint = { fr = "Une partition a des nœuds ; chaque nœud a des GPU.",
               en = "A partition has nodes; each node has GPUs." },
      run = function(s, ctx)
        local list = {}
        for _, c in ipairs(cases()) do list[#list + 1] = { p = c.p, id = c.id, name = named(c.p, c.id) } end
        return usine.cases(ctx, list, function(c) return s.gpus(c.p, c.id), ref.gpus(c.p:partition(c.id)) end, {
          exact = true, unit = "GPU",
          slip = function(c, got)
            if got == c.p:partition(c.id).nodes then
              return { fr = "c'est le nombre de nœuds : chacun porte plusieurs GPU", en = "that is the number of nodes: each holds several GPUs" }
            end
          end })
      end,
    },
    {
      id = "peak",
      title = { fr = "Crête en PFLOP/s, par précision", en = "Peak in PFLOP/s, by precision" },
      points = 4,
      hint = { fr = "Crête d'un GPU en TFLOP/s × nombre de GPU, puis passez des TFLOP/s aux PFLOP/s.",
               en = "One GPU's peak in TFLOP/s × the number of GPUs, then go from TFLOP/s to PFLOP/s." },
      run = function(s, ctx)
        local list = {}
        for _, c in ipairs(cases()) do
          for _, prec in ipairs({ "bf16", "fp64", "fp8" }) do
            -- a precision the accelerator lacks has a peak of 0, the starter's answer: not a case
            if ref.peak_pflops(c.p:partition(c.id), prec) > 0 then
              local n = named(c.p, c.id)
              list[#list + 1] = { p = c.p, id = c.id, prec = prec, name = type(n) == "table" and { fr = n.fr .. ", " .. prec, en = n.en .. ", " .. prec } or n .. ", " .. prec }
            end
          end
        end
        return usine.cases(ctx, list, function(c)
          return s.peak_pflops(c.p, c.id, c.prec), ref.peak_pflops(c.p:partition(c.id), c.prec)
        end, { unit = "PFLOP/s" })
      end,
    },
    {
      id = "power",
      title = { fr = "Puissance des nœuds en MW", en = "Power of the nodes in MW" },
      points = 3,
      hint = { fr = "Chaque nœud donne sa puissance à pleine charge en W ; il y a plusieurs nœuds, et 1 MW = 10⁶ W.",
               en = "Each node gives its power at full load in W; there are many nodes, and 1 MW = 10⁶ W." },
      run = function(s, ctx)
        local list = {}
        for _, c in ipairs(cases()) do list[#list + 1] = { p = c.p, id = c.id, name = named(c.p, c.id) } end
        return usine.cases(ctx, list, function(c) return s.power_mw(c.p, c.id), ref.power_mw(c.p:partition(c.id)) end, { unit = "MW",
               slip = function(c, got)
                 local part = c.p:partition(c.id)
                 if type(got) == "number" and usine.near(got, part.node.power_w / 1e6, 0.01) then
                   return { fr = "la puissance d'un seul nœud : la partition en a beaucoup", en = "the power of one node: the partition has many" }
                 end
               end })
      end,
    },
    {
      id = "nodes-for",
      title = { fr = "Combien de nœuds pour une crête donnée", en = "How many nodes for a given peak" },
      points = 3,
      hint = { fr = "Calculez la crête d'un nœud dans cette précision, puis le nombre de nœuds qu'il faut, arrondi vers le haut.",
               en = "Work out one node's peak in that precision, then the number of nodes needed, rounded up." },
      run = function(s, ctx)
        local list = {}
        for _, c in ipairs(cases()) do
          local part = c.p:partition(c.id)
          local prec = ({ "bf16", "fp64", "fp8" })[math.random(1, 3)]
          local peak = ref.peak_pflops(part, prec)
          if peak > 0 then
            local want = peak * (0.02 + 1.5 * math.random())
            local n = named(c.p, c.id)
            local tail_fr, tail_en = (", %s PFLOP/s en %s"):format(usine.num(want, { lang = "fr", sig = 4, trim = true }), prec), (", %s PFLOP/s in %s"):format(usine.num(want, { sig = 4, trim = true }), prec)
            list[#list + 1] = { p = c.p, id = c.id, prec = prec, pflops = want,
                                name = type(n) == "table" and { fr = n.fr .. tail_fr, en = n.en .. tail_en } or { fr = n .. tail_fr, en = n .. tail_en } }
          end
        end
        return usine.cases(ctx, list, function(c)
          return s.nodes_for(c.p, c.id, c.pflops, c.prec), ref.nodes_for(c.p:partition(c.id), c.pflops, c.prec)
        end, { exact = true, slip = function(c, got)
          local part = c.p:partition(c.id)
          local gpus = math.ceil(c.pflops * 1000 / part.accelerator.peak_tflops[c.prec])
          if got == gpus and part.gpus_per_node > 1 then
            return { fr = "c'est un nombre de GPU : un nœud en porte plusieurs", en = "that is a number of GPUs: a node holds several" }
          end
        end })
      end,
    },
  },
}
