-- Exercise 10: network topology, fat trees, oversubscription and contention.
-- Concepts: leaf and spine switches, radix, oversubscription, bisection bandwidth, dragonfly
-- groups, contention on a shared link, ring against recursive halving-doubling.
-- Difficulty 3, 50 minutes. Platform: the classroom factory (its leaf/spine network is drawn
-- cable by cable); the checks use Jean Zay, Alice Recoque, Eos, Selene, Frontier, El Capitan and
-- JUPITER as well.
--
-- No preset has an oversubscribed fat tree (the files assume non-blocking trees, since none is
-- published), and the API cannot build a variant of a platform. Contention in the simulator is
-- therefore shown where the presets have it: between two dragonfly groups (Frontier, El Capitan,
-- JUPITER), at the NICs of a node with more GPUs than NICs (Jean Zay A100), and through ECMP
-- collisions (the classroom). Oversubscription above the leaves is computed with the same
-- bottleneck formula, which the simulator confirms on those cases.

local jz = usine.platform("jean-zay")
local classroom = usine.platform("classroom")
local alice = usine.platform("alice-recoque")
local eos = usine.platform("eos")
local selene = usine.platform("selene")
local frontier = usine.platform("frontier")
local elcap = usine.platform("el-capitan")
local jupiter = usine.platform("jupiter")

local function fmt(x, lang) return usine.num(x, { lang = lang, sig = 6, trim = true }) end
-- The reference computations (reference/topology.lua, not installed).
local ref = usine.reference("topology")

-- Leaf cases: the presets' own fat trees, then the same switches with oversubscription.
local leaf_cases = {}
for _, c in ipairs({ { jz, "v100" }, { jz, "a100" }, { jz, "h100" }, { alice, "gpu" }, { eos, "h100" }, { selene, "a100" } }) do
  local part = c[1]:partition(c[2])
  local net = part.network
  leaf_cases[#leaf_cases + 1] = { label = c[1].id .. "/" .. c[2], nodes = part.nodes, nics = part.node.nics,
                                  radix = net.radix, o = net.oversubscription }
end
for _, c in ipairs({ { 2048, 8, 64, 7, "Llama 3 (7:1)" }, { 364, 4, 64, 3, "3:1" }, { 560, 8, 40, 2, "2:1" }, { 52, 4, 48, 1.5, "1.5:1" } }) do
  leaf_cases[#leaf_cases + 1] = { label = c[5], nodes = c[1], nics = c[2], radix = c[3], o = c[4] }
end
-- Drawn cases outnumber the fixed ones in every check: answers harvested in practice do not carry
-- into an exam.
for _ = 1, 12 do
  local o = ({ 1, 1.5, 2, 3, 4, 7 })[math.random(1, 6)]
  leaf_cases[#leaf_cases + 1] = { label = ("%s:1"):format(fmt(o)), nodes = math.random(16, 4000), nics = ({ 1, 2, 4, 8 })[math.random(1, 4)],
                                  radix = ({ 40, 48, 64, 128 })[math.random(1, 4)], o = o }
end
for _, c in ipairs(leaf_cases) do c.want = ref.leaves(c.nodes, c.nics, c.radix, c.o) end

-- Partitions on fat trees and dragonflies, whose bisection the student computes.
local bisection_cases = {
  { jz, "v100" }, { jz, "a100" }, { jz, "h100" }, { alice, "gpu" }, { eos, "h100" }, { selene, "a100" },
  { frontier, "mi250x" }, { elcap, "mi300a" }, { jupiter, "booster" },
}

-- Made-up variants of those machines, drawn from the grading seed: other node counts and NIC rates,
-- other oversubscription or global links. They answer p.id, p:partition(id) and p:partitions() as
-- a platform does; their bisection is the reference's (the presets' is p:totals').
local made = usine.reference("made-up")
local function made_up(p, k)
  local nets = {}   -- the partitions on one network share its changed copy
  return made.platform(p, ("%s-x%d"):format(p.id, k), function(part)
    part.nodes = math.max(1, math.floor(part.nodes * (0.2 + 1.6 * math.random())))
    part.node.nic_gbit_s = ({ 100, 200, 400, 800 })[math.random(1, 4)]
    local nid = part.network.id
    if not nets[nid] then
      local net = part.network
      if net.topology == "fat-tree" then net.oversubscription = ({ 1, 1, 2, 3, 4 })[math.random(1, 5)] end
      if net.topology == "dragonfly" then net.global_links = math.max(1, math.floor(net.global_links * (0.3 + math.random()))) end
      nets[nid] = net
    end
    part.network = nets[nid]
  end)
end
for i = 1, #bisection_cases do
  local c = bisection_cases[i]
  bisection_cases[#bisection_cases + 1] = { made_up(c[1], i), c[2] }
end

-- Ring all-reduces whose closed form the student writes (several nodes each).
local ring_cases = {
  { p = jz, id = "h100", gpus = 64, bytes = 1e9 },
  { p = jz, id = "a100", gpus = 128, bytes = 2.5e8 },
  { p = frontier, id = "mi250x", gpus = 96, bytes = 4e9 },
  { p = classroom, id = "gpu", gpus = 128, bytes = 1e8 },
  { p = alice, id = "gpu", gpus = 32, bytes = 1e4 },
}
for _ = 1, 7 do
  local c = ({ { jz, "h100", 4 }, { jz, "a100", 8 }, { classroom, "gpu", 4 }, { alice, "gpu", 4 } })[math.random(1, 4)]
  local most = c[1]:partition(c[2]).gpus // c[3]
  ring_cases[#ring_cases + 1] = { p = c[1], id = c[2], gpus = c[3] * math.random(2, math.min(48, most)), bytes = math.random(1, 400) * 1e7 }
end

-- Bottleneck formula on chosen inputs: latency-bound, bandwidth-bound, contention-bound, drawn.
local shared_formula_cases = {
  { 1, 1e3, 2e-6, 50e9, 50e9 },
  { 4, 1e8, 3e-6, 45e9, 400e9 },
  { 32, 1e8, 3e-6, 45e9, 32 * 45e9 / 7 },
  { 512, 1e6, 1.2e-6, 21.25e9, 81.6e9 },
}
for _ = 1, 10 do
  shared_formula_cases[#shared_formula_cases + 1] = { math.random(1, 256), math.random(1, 1000) * 1e6, math.random(1, 5) * 1e-6,
                                                      math.random(10, 50) * 1e9, math.random(50, 800) * 1e9 }
end

-- One step in the simulator: the first `flows` GPUs each send `bytes` to the GPU `flows` further.
-- The inputs of the bottleneck formula come from the platform files (NICs, links, efficiency).
local function nic_Bps(part)
  return part.node.nic_gbit_s / 8 * 1e9 * part.network.eff_bandwidth
end
local function network_nodes(p, net_id)
  local n = 0
  for _, id in ipairs(p:partitions()) do
    local part = p:partition(id)
    if part.network.id == net_id then n = n + part.nodes end
  end
  return n
end
local function pair_Bps(p, id)   -- the global links between two dragonfly groups
  local part = p:partition(id)
  local net = part.network
  local groups = math.ceil(network_nodes(p, net.id) / net.group_nodes)
  return net.global_links / (groups - 1) * net.link_gbit_s / 8 * 1e9 * net.eff_bandwidth
end
local function cross_cases()
  local list = {}
  for _, c in ipairs({ { frontier, "mi250x" }, { elcap, "mi300a" }, { jupiter, "booster" } }) do
    local part = c[1]:partition(c[2])
    local half = part.network.group_nodes * part.gpus_per_node      -- one whole group on each side
    list[#list + 1] = { p = c[1], id = c[2], gpus = 2 * half, flows = half, per_link = half, routing = "minimal",
                        flow = nic_Bps(part), link = pair_Bps(c[1], c[2]),
                        fr = "entre deux groupes dragonfly", en = "between two dragonfly groups" }
  end
  local a100 = jz:partition("a100")
  list[#list + 1] = { p = jz, id = "a100", gpus = 416, flows = 208, per_link = a100.gpus_per_node / a100.node.nics,
                      flow = nic_Bps(a100), link = nic_Bps(a100),
                      fr = "plusieurs GPU par carte réseau", en = "several GPUs per NIC" }
  local h100 = jz:partition("h100")
  list[#list + 1] = { p = jz, id = "h100", gpus = 1024, flows = 512, per_link = 1,
                      flow = nic_Bps(h100), link = nic_Bps(h100),
                      fr = "arbre non bloquant", en = "non-blocking tree" }
  return list
end

-- All-reduces whose slowdown the simulator measures: contended and uncontended.
local slowdown_cases = {
  { p = jz, id = "h100", gpus = 256, algo = "ring", bytes = 1e9 },
  { p = jz, id = "a100", gpus = 128, algo = "rhd", bytes = 1e9 },
  { p = frontier, id = "mi250x", gpus = 1024, algo = "rhd", bytes = 1e9 },
  { p = elcap, id = "mi300a", gpus = 1024, algo = "rhd", bytes = 1e9 },
  { p = classroom, id = "gpu", gpus = 128, algo = "rhd", bytes = 5e8 },
  { p = jupiter, id = "booster", gpus = 2048, algo = "rhd", bytes = 2e9 },
  { p = jz, id = "a100", gpus = 8, algo = "rhd", bytes = 1e8 },               -- inside one node
}
for _ = 1, 8 do   -- small ones drawn from the grading seed, quick to simulate
  local c = ({ { jz, "a100", 8 }, { jz, "h100", 4 }, { classroom, "gpu", 4 } })[math.random(1, 3)]
  local algo = math.random() < 0.5 and "ring" or "rhd"
  local gpus = algo == "rhd" and c[3] * 2 ^ math.random(0, 4) or c[3] * math.random(1, 16)   -- at most 128: the classroom's size
  slowdown_cases[#slowdown_cases + 1] = { p = c[1], id = c[2], gpus = gpus, algo = algo, bytes = math.random(1, 200) * 1e7 }
end

return {
  id = "topology",
  title = { fr = "Topologie du réseau : arbre élargi, surabonnement, contention",
            en = "Network topology: fat tree, oversubscription, contention" },
  text = {
    fr = [[
# Topologie du réseau : arbre élargi, surabonnement, contention

Dans un nœud, les GPU se parlent par NVLink ou Infinity Fabric. Entre nœuds, chaque nœud a des
**cartes réseau** (NIC), reliées à des **commutateurs**. Comment ces commutateurs sont reliés entre
eux, la **topologie**, décide du débit qu'obtient une collective quand tous les GPU parlent à la fois.

## L'arbre élargi (*fat tree*)

Les nœuds se branchent sur des commutateurs **feuilles** (*leaf*, souvent un par baie) ; les
feuilles se branchent sur des commutateurs **épines** (*spine*) ; un arbre à 3 niveaux ajoute un
**cœur** (*core*) au-dessus. L'arbre élargi de Leiserson (1985), bâti aujourd'hui comme un réseau
de Clos replié avec des commutateurs tous identiques, « s'élargit » en montant : dans sa version
non bloquante, autant de liens montent qu'il en arrive d'en bas, pour que le débit ne se perde
pas vers la racine.

- Le **radix** `k` est le nombre de ports d'un commutateur (64 pour un InfiniBand NDR Quantum-2,
  48 pour l'Omni-Path de Jean Zay, 40 pour l'InfiniBand HDR de Selene).
- Une feuille donne `d` ports aux nœuds (vers le bas) et `k − d` vers le haut. Le
  **surabonnement** (*oversubscription*) est le rapport `o = d / (k − d)` : 1 (1:1) pour un arbre
  **non bloquant**, 3 (3:1) si trois fois plus de débit entre dans la feuille qu'il n'en sort vers
  le haut. Usine prend `d = floor(k × o / (1 + o))`, borné entre 1 et `k − 1`.
- Le **nombre de feuilles** est `ceil(ports des nœuds / d)`, avec ports des nœuds = nœuds × NIC
  par nœud.

Exemple, la partition H100 de Jean Zay (arbre à 2 niveaux supposé, radix 64, `o = 1`) :
364 nœuds × 4 NIC = 1 456 ports ; `d = 32`, donc 46 feuilles ; leurs 46 × 32 = 1 472 liens
montants remplissent 23 épines de 64 ports : 69 commutateurs, ce que donne
`jz:totals("h100").switches`.

## La bande passante de bissection

Coupez les nœuds en deux moitiés, de la pire façon : la **bissection** est le débit qui peut
traverser la coupure, dans un sens. Elle ne dépasse jamais la moitié du **débit d'injection**
(la somme des NIC de tous les nœuds).

- Arbre élargi : moitié de l'injection, divisée par `o` (à partir de 2 niveaux). Jean Zay H100 :
  1 456 × 400 Gb/s = 582,4 Tb/s = 72,8 To/s d'injection, donc 36,4 To/s de bissection.
- Un réseau peut être **partagé** : les partitions V100 et A100 de Jean Zay sont sur le même
  Omni-Path. L'API calcule la bissection du réseau (avec tous ses nœuds), puis donne à chaque
  partition la part de son injection : `bissection du réseau × injection de la partition /
  injection du réseau`, jamais plus que la moitié de sa propre injection.
- **Dragonfly** (Frontier, El Capitan : HPE Slingshot ; JUPITER : InfiniBand « dragonfly+ ») : les
  nœuds forment des **groupes** (une armoire de 128 nœuds et 32 commutateurs pour Frontier), très
  bien reliés à l'intérieur ; chaque groupe a `global_links` liens **globaux** répartis sur les
  autres groupes. Avec `g = ceil(nœuds du réseau / group_nodes)` groupes, chaque paire de groupes
  a `global_links / (g − 1)` liens ; une coupure en `floor(g/2)` et `ceil(g/2)` groupes en
  traverse `floor(g/2) × ceil(g/2)` paires. Bissection = ce nombre de liens × `link_gbit_s`,
  plafonnée par la moitié de l'injection. Frontier : 9 856 nœuds / 128 = 77 groupes (les premières
  descriptions de la machine comptent 74 armoires et 9 408 nœuds ; le préréglage suit le TOP500),
  292 / 76 ≈ 3,84 liens par paire, 38 × 39 × 3,84 × 25 Go/s ≈ 142 To/s, contre 493 To/s pour la
  moitié de l'injection : un dragonfly est **effilé** par construction (moins de longs câbles optiques), en pariant que le
  trafic reste surtout local ou bien réparti.
- La salle de classe (`classroom`) décrit son réseau lien par lien (`explicit`) : 4 feuilles (une
  par baie, 4 nœuds × 8 NIC = 32 ports) et 2 épines, 16 + 16 liens montants par feuille, donc non
  bloquant. L'API en calcule la bissection par un flot maximal sur ces liens, qu'elle n'expose pas.

Les arbres des préréglages sont tous supposés non bloquants (`o = 1`) : aucun centre ne publie le
sien (voir les hypothèses des fichiers). Le réseau de Meta pour Llama 3 (RoCE, une NIC de 400 Gb/s
par H100) est surabonné d'un facteur **7** (7:1 ; l'article écrit « 1:7 ») au-dessus de ses
« pods » de 3 072 GPU (fichier `networks.csv` d'Usine, d'après « The Llama 3 Herd of Models »,
2024).

## La contention

Quand `F` flots de `S` octets passent par le même lien de capacité `C`, et que chacun ne peut de
toute façon pas dépasser `B` (sa NIC), le pas dure :

```
t = α + max(S / B, F × S / C)
```

C'est le **modèle du goulot d'étranglement** ; le simulateur d'Usine partage les liens de la même
façon (équité max-min). Au-dessus d'une feuille surabonnée, si ses `d` GPU envoient tous vers le haut,
`C = d × B / o` et le pas dure `o` fois plus longtemps.

Pour une **collective**, tout dépend du motif :

- l'**anneau** (*ring*) : chaque GPU envoie à son voisin ; une coupure n'est traversée que par un
  ou deux flots. Son coût alpha-bêta, sans contention, est `2 (p − 1) (α + S / (p × B))` pour un
  all-reduce de `S` octets sur `p` GPU (α : latence d'un message, B : débit d'un flot ; voir
  l'exercice 7) ;
- la **réduction par moitiés puis doublements** (`rhd`) : aux pas où le partenaire est loin, tous
  les GPU envoient à travers la coupure en même temps ; c'est la bissection **de la tâche** qui
  limite ;
- `hier` : anneaux dans le nœud, puis anneaux entre nœuds, un par rang local.

`usine.collective{platform = p, partition = id, op = "allreduce", algo = "rhd", gpus = n, bytes = S}`
(`usine simulate collective` dans un terminal) renvoie le temps simulé (`simulated_s`, événements
discrets, liens partagés) et la formule alpha-bêta (`closed_form_s`, sans contention), avec les
α et B qu'elle a pris dans un nœud (`alpha_intra_s`, `bw_intra_Bps`) et entre nœuds
(`alpha_inter_s`, `bw_inter_Bps`). Leur rapport est le **ralentissement dû à la contention**.

Les formules alpha-bêta des deux algorithmes, pour `p` GPU (les premiers de la partition, `g` par
nœud) :

- anneau : `2 (p − 1) (α + S / (p × B))`, avec l'α et le B entre nœuds dès que l'anneau sort du
  premier nœud (`p > g`), ceux du nœud sinon ;
- `rhd` (`p` puissance de 2) : la réduction par moitiés fait `log2 p` pas ; au pas `k` (k = 0, 1,
  2…), chaque GPU échange `S / 2^(k+1)` octets avec le GPU à la distance `2^k` (son rang, en
  binaire, avec le bit `k` inversé) ; les doublements refont les mêmes pas à l'envers. Chaque pas
  coûte `α + octets / B`, avec l'α et le B du nœud quand le partenaire y est (`2^k < g`), ceux
  d'entre nœuds sinon : `2 × Σ_k (α_k + S / (2^(k+1) × B_k))`. Vous en verrez trois
causes : deux GPU A100 de Jean Zay par NIC (8 GPU, 4 NIC), les quelques liens directs entre deux
groupes dragonfly, et les collisions ECMP de la salle de classe (le hachage qui choisit l'épine peut
en charger une plus que l'autre). Un dragonfly route de façon **adaptative** (Slingshot, comme le
disent les préréglages) : tant que les liens directs entre deux groupes ne sont pas encombrés, un
flux les prend ; sinon il passe par un troisième groupe, en deux sauts globaux. Les flux qui
traversent les liens directs vérifiés plus bas le font en routage **minimal** (`routing =
"minimal"`, que `usine.collective` et `usine.schedule` acceptent aussi : `"valiant"`, `"adaptive"`),
pour voir ces seuls liens ; `usine simulate collective --routing` fait de même.

## À faire

1. `leaves(nodes, nics, radix, oversubscription)` : le nombre de commutateurs feuilles d'un arbre
   élargi ;
2. `bisection_tbs(p, id)` : la bissection de la partition `id` de la plateforme `p` en To/s, comme
   `p:totals(id).bisection_tbs` (que votre rendu n'a pas : de `usine`, il n'a que `p:partition` et
   `p:partitions`), pour les topologies `"fat-tree"` et `"dragonfly"` (renvoyez `nil`
   pour les autres). Dans l'API : `p:partition(id).network` (topologie, `levels`,
   `oversubscription`, `group_nodes`, `global_links`, `link_gbit_s`), `.nodes`, `.node.nics`,
   `.node.nic_gbit_s`, et `p:partitions()` pour trouver les partitions du même réseau ;
3. `ring_crossover_bytes(gpus, alpha_s, bw_Bps)` : la taille de tampon, en octets, à partir de
   laquelle le terme de débit de l'all-reduce en anneau (exercice 7) dépasse son terme de latence :
   en dessous, plus de débit ne l'accélère guère ;
4. `shared_s(flows, bytes, alpha_s, flow_Bps, link_Bps)` : la durée d'un pas où `flows` flots de
   `bytes` octets, chacun limité à `flow_Bps`, partagent un lien de `link_Bps` octets/s ; elle
   sera comparée au simulateur ;
5. `slowdown(algo, gpus, bytes, sim)` : le ralentissement d'un all-reduce de `bytes` octets sur
   `gpus` GPU, par l'algorithme `algo` (`"ring"` ou `"rhd"`) : temps simulé / formule alpha-bêta.
   Votre rendu n'a ni `usine.collective` ni `usine.schedule` (ni `p:totals`) : les vérifications
   simulent la collective et vous passent `sim = { simulated_s = …, gpus_per_node = …,
   alpha_intra_s = …, bw_intra_Bps = …, alpha_inter_s = …, bw_inter_Bps = … }` ; à vous la
   formule.

Sources : fichiers de plateforme d'Usine (`jean-zay.xml`, `classroom.xml`, `frontier.xml`,
`el-capitan.xml`, `jupiter.xml`… : radix, surabonnement et liens globaux y sont sourcés ou marqués
comme hypothèses) ; fiches techniques NVIDIA QM9700 (64 ports NDR) et QM8700 (40 ports HDR) ;
notes publiques sur Frontier (groupes de 128 nœuds et 32 commutateurs Rosetta) ; C. E. Leiserson,
« Fat-trees », IEEE Trans. Computers, 1985 ; J. Kim et al., « Technology-driven, highly-scalable
dragonfly topology », ISCA 2008.
]],
    en = [[
# Network topology: fat tree, oversubscription, contention

Inside a node, GPUs talk over NVLink or Infinity Fabric. Between nodes, each node has **network
cards** (NICs), cabled to **switches**. How those switches are wired together, the **topology**,
decides what bandwidth a collective gets when every GPU talks at once.

## The fat tree

Nodes plug into **leaf** switches (often one per rack); leaves plug into **spine** switches; a
3-level tree adds a **core** above. Leiserson's fat tree (1985), built today as a folded Clos
network of identical switches, gets "fatter" towards the root: in its non-blocking form, as many
links go up as come from below, so that bandwidth is not lost on the way up.

- The **radix** `k` is a switch's number of ports (64 for an InfiniBand NDR Quantum-2, 48 for Jean
  Zay's Omni-Path, 40 for Selene's InfiniBand HDR).
- A leaf gives `d` ports to nodes (down) and `k − d` up. The **oversubscription** is the ratio
  `o = d / (k − d)`: 1 (1:1) for a **non-blocking** tree, 3 (3:1) when three times more bandwidth
  enters the leaf than leaves it upwards. Usine takes `d = floor(k × o / (1 + o))`, kept between 1
  and `k − 1`.
- The **number of leaves** is `ceil(node ports / d)`, with node ports = nodes × NICs per node.

Example, Jean Zay's H100 partition (a 2-level tree assumed, radix 64, `o = 1`): 364 nodes × 4 NICs
= 1,456 ports; `d = 32`, hence 46 leaves; their 46 × 32 = 1,472 uplinks fill 23 spines of 64
ports: 69 switches, which is what `jz:totals("h100").switches` gives.

## Bisection bandwidth

Cut the nodes into two halves, the worst possible way: the **bisection** is the bandwidth that can
cross the cut, one way. It is never more than half the **injection bandwidth** (the sum of every
node's NICs).

- Fat tree: half the injection, divided by `o` (from 2 levels up). Jean Zay H100: 1,456 × 400 Gb/s
  = 582.4 Tb/s = 72.8 TB/s of injection, hence 36.4 TB/s of bisection.
- A network can be **shared**: Jean Zay's V100 and A100 partitions are on the same Omni-Path. The
  API computes the network's bisection (with all its nodes), then gives each partition its share
  of the injection: `network bisection × partition injection / network injection`, never more than
  half its own injection.
- **Dragonfly** (Frontier, El Capitan: HPE Slingshot; JUPITER: InfiniBand "dragonfly+"): nodes
  form **groups** (one cabinet of 128 nodes and 32 switches on Frontier), richly wired inside; each
  group has `global_links` **global** links spread over the other groups. With
  `g = ceil(network nodes / group_nodes)` groups, each pair of groups has `global_links / (g − 1)`
  links; a cut into `floor(g/2)` and `ceil(g/2)` groups crosses `floor(g/2) × ceil(g/2)` pairs.
  Bisection = that many links × `link_gbit_s`, capped by half the injection. Frontier: 9,856
  nodes / 128 = 77 groups (the first descriptions of the machine count 74 cabinets and 9,408
  nodes; the preset follows the TOP500), 292 / 76 ≈ 3.84 links per pair, 38 × 39 × 3.84 × 25 GB/s ≈ 142 TB/s, against 493 TB/s for half
  the injection: a dragonfly is **tapered** by design (fewer long optical cables), betting that
  traffic stays mostly local or well spread.
- The classroom lists its network link by link (`explicit`): 4 leaves (one per rack, 4 nodes × 8
  NICs = 32 ports) and 2 spines, 16 + 16 uplinks per leaf, so non-blocking. The API computes its
  bisection as a maximum flow over those links, which it does not expose.

The presets' trees are all assumed non-blocking (`o = 1`): no centre publishes its own (see the
files' assumptions). Meta's network for Llama 3 (RoCE, one 400 Gb/s NIC per H100) is
oversubscribed by a factor of **7** (7:1; the paper writes "1:7") above its 3,072-GPU "pods"
(Usine's `networks.csv`, after "The Llama 3 Herd of Models", 2024).

## Contention

When `F` flows of `S` bytes go through the same link of capacity `C`, and each could not exceed
`B` anyway (its NIC), the step takes:

```
t = α + max(S / B, F × S / C)
```

This is the **bottleneck model**; Usine's simulator shares links the same way (max-min fairness).
Above an oversubscribed leaf, if its `d` GPUs all send upwards, `C = d × B / o` and the step takes
`o` times longer.

For a **collective**, it all depends on the pattern:

- the **ring**: each GPU sends to its neighbour; a cut is crossed by one or two flows only. Its
  alpha-beta cost, without contention, is `2 (p − 1) (α + S / (p × B))` for an all-reduce of `S`
  bytes over `p` GPUs (α: one message's latency, B: one flow's bandwidth; see exercise 7);
- **recursive halving-doubling** (`rhd`): at the steps where the partner is far, every GPU sends
  across the cut at once; the bisection **of the job** is the limit;
- `hier`: rings inside the node, then rings between nodes, one per local rank.

`usine.collective{platform = p, partition = id, op = "allreduce", algo = "rhd", gpus = n, bytes = S}`
(`usine simulate collective` in a terminal) returns the simulated time (`simulated_s`, discrete
events, shared links) and the alpha-beta formula (`closed_form_s`, no contention), with the α and
B it used inside a node (`alpha_intra_s`, `bw_intra_Bps`) and between nodes (`alpha_inter_s`,
`bw_inter_Bps`). Their ratio is the **slowdown due to contention**.

The alpha-beta formulas of the two algorithms, for `p` GPUs (the partition's first ones, `g` per
node):

- ring: `2 (p − 1) (α + S / (p × B))`, with the α and B between nodes as soon as the ring leaves
  the first node (`p > g`), those inside the node otherwise;
- `rhd` (`p` a power of 2): recursive halving takes `log2 p` steps; at step `k` (k = 0, 1, 2...),
  every GPU exchanges `S / 2^(k+1)` bytes with the GPU at distance `2^k` (its rank, in binary,
  with bit `k` flipped); doubling does the same steps in reverse. Each step costs
  `α + bytes / B`, with the node's α and B when the partner is in it (`2^k < g`), those between
  nodes otherwise: `2 × Σ_k (α_k + S / (2^(k+1) × B_k))`. You will see three causes:
two Jean Zay A100 GPUs per NIC (8 GPUs, 4 NICs), the few direct links between two dragonfly
groups, and ECMP collisions in the classroom (the hash that picks the spine may load one more than
the other). A dragonfly routes **adaptively** (Slingshot, as the presets say): while the direct links
between two groups are not congested a flow takes them; otherwise it goes through a third group, in
two global hops. The flows across the direct links checked below are routed **minimally** (`routing =
"minimal"`, which `usine.collective` and `usine.schedule` also take: `"valiant"`, `"adaptive"`), to see
those links alone; `usine simulate collective --routing` does the same.

## Your task

1. `leaves(nodes, nics, radix, oversubscription)`: the number of leaf switches of a fat tree;
2. `bisection_tbs(p, id)`: the bisection of partition `id` of platform `p` in TB/s, as
   `p:totals(id).bisection_tbs` (which your submission does not have: of `usine` it has only
   `p:partition` and `p:partitions`), for the `"fat-tree"` and `"dragonfly"` topologies (return `nil`
   for the others). In the API: `p:partition(id).network` (topology, `levels`,
   `oversubscription`, `group_nodes`, `global_links`, `link_gbit_s`), `.nodes`, `.node.nics`,
   `.node.nic_gbit_s`, and `p:partitions()` to find the partitions on the same network;
3. `ring_crossover_bytes(gpus, alpha_s, bw_Bps)`: the buffer size, in bytes, from which the ring
   all-reduce's bandwidth term (exercise 7) outweighs its latency term: below it, more bandwidth
   hardly speeds it up;
4. `shared_s(flows, bytes, alpha_s, flow_Bps, link_Bps)`: how long a step takes when `flows` flows
   of `bytes` bytes, each limited to `flow_Bps`, share a link of `link_Bps` bytes/s; it will be
   compared with the simulator;
5. `slowdown(algo, gpus, bytes, sim)`: the slowdown of an all-reduce of `bytes` bytes over `gpus`
   GPUs with algorithm `algo` (`"ring"` or `"rhd"`): simulated time / alpha-beta formula. Your
   submission has neither `usine.collective` nor `usine.schedule` (nor `p:totals`): the checks
   simulate the collective and pass you `sim = { simulated_s = ..., gpus_per_node = ...,
   alpha_intra_s = ..., bw_intra_Bps = ..., alpha_inter_s = ..., bw_inter_Bps = ... }`; the
   formula is yours.

Sources: Usine's platform files (`jean-zay.xml`, `classroom.xml`, `frontier.xml`,
`el-capitan.xml`, `jupiter.xml`...: radix, oversubscription and global links there are sourced or
marked as assumptions); NVIDIA QM9700 (64 NDR ports) and QM8700 (40 HDR ports) datasheets; public
notes on Frontier (groups of 128 nodes and 32 Rosetta switches); C. E. Leiserson, "Fat-trees",
IEEE Trans. Computers, 1985; J. Kim et al., "Technology-driven, highly-scalable dragonfly
topology", ISCA 2008.
]],
  },
  concepts = {
    fr = { "arbre élargi", "feuilles et épines", "radix", "surabonnement", "bissection", "dragonfly",
           "contention", "anneau et rhd" },
    en = { "fat tree", "leaves and spines", "radix", "oversubscription", "bisection", "dragonfly",
           "contention", "ring and rhd" },
  },
  difficulty = 3,
  minutes = 50,
  platform = "classroom",
  scenario = { partition = "gpu" },
  -- What a submission may use of usine. The partitions and their networks; not p:totals (bisection_tbs) nor usine.collective
  -- or usine.schedule (the checks pass the simulated time).
  allow = { "platform:partition", "platform:partitions" },
  limits = { instructions = 2e8, seconds = 10 },
  starter = [[
-- Exercice 10 : topologie du réseau / Exercise 10: network topology

-- Commutateurs feuilles d'un arbre élargi / leaf switches of a fat tree
function leaves(nodes, nics, radix, oversubscription)
  return 0
end

-- Bissection d'une partition en To/s (fat-tree, dragonfly), nil sinon
-- Bisection of a partition in TB/s (fat-tree, dragonfly), nil otherwise
function bisection_tbs(p, id)
  local net = p:partition(id).network
  if net.topology == "fat-tree" then
    return 0
  elseif net.topology == "dragonfly" then
    return 0
  end
  return nil
end

-- Taille où le débit l'emporte sur la latence, en octets / size where bandwidth outweighs latency, in bytes
function ring_crossover_bytes(gpus, alpha_s, bw_Bps)
  return nil
end

-- Un pas où des flots partagent un lien / one step where flows share a link
function shared_s(flows, bytes, alpha_s, flow_Bps, link_Bps)
  return 0
end

-- Ralentissement mesuré par le simulateur / slowdown measured by the simulator
-- algo : "ring" ou/or "rhd" ; sim = { simulated_s =, gpus_per_node =, alpha_intra_s =,
-- bw_intra_Bps =, alpha_inter_s =, bw_inter_Bps = }
function slowdown(algo, gpus, bytes, sim)
  return 0
end
]],
  checks = {
    {
      id = "leaves",
      title = { fr = "Feuilles d'un arbre élargi", en = "Leaves of a fat tree" },
      points = 2,
      hint = { fr = "Une feuille partage ses ports entre les nœuds (en bas) et l'étage du dessus ; le surabonnement fixe le partage. Arrondissez les ports vers le bas, les feuilles vers le haut.",
               en = "A leaf splits its ports between the nodes (down) and the level above; the oversubscription sets the split. Round the ports down, the leaves up." },
      run = function(s, ctx)
        local list = {}
        for _, c in ipairs(leaf_cases) do
          list[#list + 1] = { c = c, name = {
            fr = ("%s (%d nœuds × %d NIC, radix %d, surabonnement %s)"):format(c.label, c.nodes, c.nics, c.radix, fmt(c.o, "fr")),
            en = ("%s (%d nodes × %d NICs, radix %d, oversubscription %s)"):format(c.label, c.nodes, c.nics, c.radix, fmt(c.o)) } }
        end
        return usine.cases(ctx, list, function(k) return s.leaves(k.c.nodes, k.c.nics, k.c.radix, k.c.o), k.c.want end, {
          exact = true, unit = { fr = "feuilles", en = "leaves" },
          slip = function(k, got)
            local c = k.c
            if type(got) == "number" and got == math.ceil(c.nodes * c.nics / (c.radix / 2)) and got ~= c.want then
              return { fr = "la moitié des ports vers le bas ne vaut que sans surabonnement", en = "half the ports down holds only without oversubscription" }
            end
          end })
      end,
    },
    {
      id = "bisection",
      title = { fr = "Bissection d'une partition (arbre élargi, dragonfly)", en = "Bisection of a partition (fat tree, dragonfly)" },
      points = 3,
      hint = { fr = "Partez du débit d'injection de tout le réseau (toutes les partitions qui y sont reliées), coupez-le en deux, appliquez la topologie, puis donnez à la partition la part de son injection. Attention aux Gb/s et aux To/s.",
               en = "Start from the injection bandwidth of the whole network (every partition on it), halve it, apply the topology, then give the partition its share of the injection. Mind Gb/s against TB/s." },
      run = function(s, ctx)
        local list = {}
        for _, c in ipairs(bisection_cases) do
          local part = c[1]:partition(c[2])
          local name = ("%s/%s (%s)"):format(c[1].id, c[2], part.network.topology)
          if c[1].made_up then
            name = { fr = ("%s, inventée : %d nœuds, NIC de %d Gb/s"):format(name, part.nodes, part.node.nic_gbit_s),
                     en = ("%s, made up: %d nodes, %d Gb/s NICs"):format(name, part.nodes, part.node.nic_gbit_s) }
          end
          list[#list + 1] = { p = c[1], id = c[2], name = name }
        end
        return usine.cases(ctx, list, function(k)
          local want = k.p.made_up and ref.bisection_tbs(k.p, k.id) or k.p:totals(k.id).bisection_tbs
          return s.bisection_tbs(k.p, k.id), want
        end, { unit = { fr = "To/s", en = "TB/s" }, slip = function(k, got, want)
          -- the network's bisection shared by node counts: more than half its own injection for
          -- a partition whose nodes inject less than the others'
          if type(got) ~= "number" or not usine.finite(want) or want <= 0 then return nil end
          local part = k.p:partition(k.id)
          local nodes, injection = 0, 0
          for _, other in ipairs(k.p:partitions()) do
            local q = k.p:partition(other)
            if q.network.id == part.network.id then
              nodes, injection = nodes + q.nodes, injection + q.nodes * q.node.nics * q.node.nic_gbit_s / 8 / 1000
            end
          end
          local own = part.nodes * part.node.nics * part.node.nic_gbit_s / 8 / 1000
          local by_nodes = want * (part.nodes / nodes) / (own / injection)
          if usine.near(got, by_nodes, 0.01) and not usine.near(by_nodes, want, 0.01) then
            return { fr = "c'est la part de ses nœuds : ses nœuds n'injectent pas autant que les autres, la part qui compte est celle de l'injection",
                     en = "that is its nodes' share: its nodes do not inject as much as the others, the share that counts is the injection's" }
          end
        end })
      end,
    },
    {
      id = "ring",
      title = { fr = "Anneau : où le débit l'emporte sur la latence", en = "Ring: where bandwidth outweighs latency" },
      points = 2,
      hint = { fr = "Écrivez les deux termes du temps de l'anneau, 2 (p − 1) latences et 2 (p − 1) tranches de S / p, et cherchez le S qui les égale.",
               en = "Write the ring time's two terms, 2 (p − 1) latencies and 2 (p − 1) chunks of S / p, and find the S that makes them equal." },
      run = function(s, ctx)
        local list = {}
        for _, c in ipairs(ring_cases) do
          local r = usine.collective { platform = c.p, partition = c.id, op = "allreduce", algo = "ring", gpus = c.gpus, bytes = c.bytes }
          list[#list + 1] = { gpus = c.gpus, alpha = r.alpha_inter_s, bw = r.bw_inter_Bps, name = {
            fr = ("%s/%s, %d GPU (α = %s s, B = %s o/s)"):format(c.p.id, c.id, c.gpus, fmt(r.alpha_inter_s, "fr"), fmt(r.bw_inter_Bps, "fr")),
            en = ("%s/%s, %d GPUs (α = %s s, B = %s B/s)"):format(c.p.id, c.id, c.gpus, fmt(r.alpha_inter_s), fmt(r.bw_inter_Bps)) } }
        end
        return usine.cases(ctx, list, function(k) return s.ring_crossover_bytes(k.gpus, k.alpha, k.bw), ref.ring_crossover(k.gpus, k.alpha, k.bw) end, {
          unit = { fr = "octets", en = "bytes" },
          slip = function(k, got)
            if type(got) == "number" and usine.near(got, k.alpha * k.bw, 0.01) then
              return { fr = "chaque pas n'envoie qu'une tranche S / p : le seuil grandit avec p", en = "each step sends one chunk S / p only: the crossover grows with p" }
            end
          end })
      end,
    },
    {
      id = "shared",
      title = { fr = "Flots sur un lien partagé, contre le simulateur", en = "Flows on a shared link, against the simulator" },
      points = 3,
      hint = { fr = "Un pas finit quand le dernier octet arrive : soit chaque flot est limité par sa propre NIC, soit le lien commun doit écouler tous les octets de tous les flots. Le plus lent des deux l'emporte ; la latence s'ajoute.",
               en = "A step ends when the last byte arrives: either each flow is held back by its own NIC, or the common link must carry every byte of every flow. The slower of the two wins; the latency adds on." },
      run = function(s, ctx)
        local list = {}
        for _, c in ipairs(shared_formula_cases) do
          list[#list + 1] = { args = c, want = ref.shared(c[1], c[2], c[3], c[4], c[5]), name = ("shared_s(%s, %s, %s, %s, %s)"):format(fmt(c[1]), fmt(c[2]), fmt(c[3]), fmt(c[4]), fmt(c[5])) }
        end
        local bytes = 1e9
        for _, c in ipairs(cross_cases()) do
          local msgs = {}
          for g = 0, c.flows - 1 do msgs[#msgs + 1] = { from = g, to = g + c.flows, bytes = bytes } end
          local sim = usine.schedule { platform = c.p, partition = c.id, gpus = c.gpus, steps = { msgs }, routing = c.routing }.time_s
          list[#list + 1] = { args = { c.per_link, bytes, 0, c.flow, c.link }, want = sim, name = {
            fr = ("%s/%s, %d GPU envoient 1 Go chacun à %d autres (%s), mesuré par le simulateur ; shared_s(%s, 1e9, 0, %s, %s)"):format(
              c.p.id, c.id, c.flows, c.flows, c.fr, fmt(c.per_link, "fr"), fmt(c.flow, "fr"), fmt(c.link, "fr")),
            en = ("%s/%s, %d GPUs send 1 GB each to %d others (%s), measured by the simulator; shared_s(%s, 1e9, 0, %s, %s)"):format(
              c.p.id, c.id, c.flows, c.flows, c.en, fmt(c.per_link), fmt(c.flow), fmt(c.link)) } }
        end
        return usine.cases(ctx, list, function(k)
          local a = k.args
          return s.shared_s(a[1], a[2], a[3], a[4], a[5]), k.want
        end, { unit = "s",
               slip = function(k, got)
                 local a = k.args
                 if type(got) == "number" and a[1] > 1 and usine.near(got, a[3] + a[2] / a[4], 0.01) then
                   return { fr = "chaque flot à la vitesse de sa NIC : le lien commun qu'ils se partagent n'est pas compté",
                            en = "every flow at its NIC's speed: the common link, which they share, is not counted" }
                 end
               end })
      end,
    },
    {
      id = "slowdown",
      title = { fr = "Ralentissement d'un all-reduce, mesuré", en = "Slowdown of an all-reduce, measured" },
      points = 2,
      hint = { fr = "Le temps simulé est donné ; divisez-le par la formule sans contention de l'algorithme. Pour rhd, chaque pas a sa taille et, selon la distance du partenaire, l'α et le B du nœud ou d'entre nœuds.",
               en = "The simulated time is given; divide it by the algorithm's formula without contention. For rhd each step has its own size and, depending on the partner's distance, the node's α and B or those between nodes." },
      run = function(s, ctx)
        local list = {}
        for _, c in ipairs(slowdown_cases) do
          local r = usine.collective { platform = c.p, partition = c.id, op = "allreduce", algo = c.algo, gpus = c.gpus, bytes = c.bytes }
          list[#list + 1] = { c = c, r = r, name = {
            fr = ("%s/%s, %d GPU, %s (simulé %s s)"):format(c.p.id, c.id, c.gpus, c.algo, fmt(r.simulated_s, "fr")),
            en = ("%s/%s, %d GPUs, %s (simulated %s s)"):format(c.p.id, c.id, c.gpus, c.algo, fmt(r.simulated_s)) } }
        end
        return usine.cases(ctx, list, function(k)
          local c, r = k.c, k.r
          local sim = { simulated_s = r.simulated_s, gpus_per_node = c.p:partition(c.id).gpus_per_node,
                        alpha_intra_s = r.alpha_intra_s, bw_intra_Bps = r.bw_intra_Bps,
                        alpha_inter_s = r.alpha_inter_s, bw_inter_Bps = r.bw_inter_Bps }
          return s.slowdown(c.algo, c.gpus, c.bytes, sim), r.simulated_s / r.closed_form_s
        end, { rel = 1e-3 })
      end,
    },
  },
}
