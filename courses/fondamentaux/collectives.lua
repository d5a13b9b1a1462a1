-- Exercise 7: collectives.
-- Concepts: the alpha-beta model, the ring all-reduce (reduce-scatter then all-gather), NCCL's
-- double binary tree as Usine's closed form counts it (sim/coll.c), writing a message schedule that
-- the discrete-event simulator runs (usine.schedule).
-- Difficulty 3, 45 minutes. Platform: the classroom (16 nodes of 8 H100, InfiniBand NDR leaf/spine).
-- Expected times come from usine.collective (closed form and simulation) on the classroom, Jean Zay
-- H100 and Selene, for several GPU counts and sizes; the student's schedule is run by usine.schedule
-- and replayed chunk by chunk to check that every GPU ends with the whole sum.

local cl = usine.platform("classroom")
local jz = usine.platform("jean-zay")
local sel = usine.platform("selene")

local function fmt(x, lang) return usine.num(x, { lang = lang, sig = 6, trim = true }) end
local function show(x, lang) return type(x) == "number" and fmt(x, lang) or type(x) end

-- The (alpha, B) pair a flat ring or tree pays: between nodes as soon as it leaves the first node.
local function link(p, part, gpus, c)
  if gpus > p:partition(part).gpus_per_node then return c.alpha_inter_s, c.bw_inter_Bps end
  return c.alpha_intra_s, c.bw_intra_Bps
end

local function formula_cases(algo, list)
  local out = {}
  for _, k in ipairs(list) do
    local c = usine.collective { platform = k[1], partition = k[2], op = "allreduce", algo = algo, gpus = k[3], bytes = k[4] }
    local a, b = link(k[1], k[2], k[3], c)
    out[#out + 1] = { where = ("%s/%s"):format(k[1].id, k[2]), p = k[3], bytes = k[4], alpha = a, bw = b,
                      want = c.closed_form_s }
  end
  return out
end

local ring_cases = formula_cases("ring", {
  { cl, "gpu", 8, 1e8 }, { cl, "gpu", 16, 1e9 }, { cl, "gpu", 64, 1e6 }, { cl, "gpu", 2, 1e5 },
  { jz, "h100", 4, 1e8 }, { jz, "h100", 32, 4e8 }, { sel, "a100", 24, 3e7 },
})
-- Drawn cases outnumber the fixed ones in every check: answers harvested in practice do not carry
-- into an exam.
-- Their expected times come from the reference's closed forms, with the (alpha, B) pairs that one
-- collective per machine reports, not from a simulation each.
local ref = usine.reference("collectives")
local pairs_of = {}
for _, k in ipairs({ { cl, "gpu" }, { jz, "h100" }, { sel, "a100" } }) do
  local g = k[1]:partition(k[2]).gpus_per_node
  pairs_of[#pairs_of + 1] = { p = k[1], part = k[2], g = g,
                              c = usine.collective { platform = k[1], partition = k[2], op = "allreduce", algo = "ring", gpus = 2 * g, bytes = 1 } }
end
local function drawn(list, closed, n)
  for _ = 1, n do
    local m = pairs_of[math.random(1, #pairs_of)]
    local gpus, bytes = math.random(2, 64), math.random(1, 1000) * 10 ^ math.random(2, 6)
    local a, b = link(m.p, m.part, gpus, m.c)
    list[#list + 1] = { where = ("%s/%s"):format(m.p.id, m.part), p = gpus, bytes = bytes, alpha = a, bw = b, want = closed(gpus, bytes, a, b) }
  end
end
drawn(ring_cases, ref.ring_allreduce, 9)
local tree_cases = formula_cases("tree", {
  { cl, "gpu", 64, 1e6 }, { cl, "gpu", 16, 1e9 }, { cl, "gpu", 8, 1e4 }, { cl, "gpu", 2, 1e7 },
  { cl, "gpu", 24, 5e5 }, { jz, "h100", 4, 1e8 }, { jz, "h100", 12, 2e6 }, { sel, "a100", 48, 1e8 },
  { sel, "a100", 6, 1e3 },
})
drawn(tree_cases, ref.tree_allreduce, 11)

-- Schedules run by the simulator, beside the ring that usine.collective runs.
local sched_cases = {}
for _, k in ipairs({ { cl, "gpu", 8, 1e8 }, { cl, "gpu", 16, 1e9 }, { cl, "gpu", 32, 1e7 },
                     { jz, "h100", 8, 1e8 }, { sel, "a100", 12, 5e8 } }) do
  local c = usine.collective { platform = k[1], partition = k[2], op = "allreduce", algo = "ring", gpus = k[3], bytes = k[4] }
  sched_cases[#sched_cases + 1] = { p = k[1], part = k[2], gpus = k[3], bytes = k[4], sim = c.simulated_s,
                                    closed = c.closed_form_s, where = ("%s/%s"):format(k[1].id, k[2]) }
end

for _ = 1, 6 do
  local k = ({ { cl, "gpu" }, { jz, "h100" }, { sel, "a100" } })[math.random(1, 3)]
  local gpus, bytes = math.random(3, 16), math.random(1, 100) * 1e7
  local c = usine.collective { platform = k[1], partition = k[2], op = "allreduce", algo = "ring", gpus = gpus, bytes = bytes }
  sched_cases[#sched_cases + 1] = { p = k[1], part = k[2], gpus = gpus, bytes = bytes, sim = c.simulated_s,
                                    closed = c.closed_form_s, where = ("%s/%s"):format(k[1].id, k[2]) }
end

local shape_sizes = { { 4, 1e6 }, { 6, 3e8 }, { 8, 1e8 }, { 16, 1e9 } }
local replay_sizes = { 4, 5, 8, 16 }
for _ = 1, 6 do
  shape_sizes[#shape_sizes + 1] = { math.random(2, 32), math.random(1, 1000) * 1e6 }
  replay_sizes[#replay_sizes + 1] = math.random(2, 24)
end

-- Check the ring's shape: 2(p-1) steps, every GPU sends once per step to the next, bytes / p.
local function shape(steps, p, bytes)
  local fr, en
  if type(steps) ~= "table" then
    return { fr = ("p = %d : une liste de pas attendue, reçu %s"):format(p, type(steps)),
             en = ("p = %d: expected a list of steps, got %s"):format(p, type(steps)) }
  end
  if #steps ~= 2 * (p - 1) then
    return { fr = ("p = %d : %d pas attendus, reçu %d"):format(p, 2 * (p - 1), #steps),
             en = ("p = %d: expected %d steps, got %d"):format(p, 2 * (p - 1), #steps) }
  end
  for k, step in ipairs(steps) do
    if type(step) ~= "table" or #step ~= p then
      local n = type(step) == "table" and #step or 0
      return { fr = ("p = %d, pas %d : %d messages attendus (un par GPU), reçu %d"):format(p, k, p, n),
               en = ("p = %d, step %d: expected %d messages (one per GPU), got %d"):format(p, k, p, n) }
    end
    local sent = {}
    for i, m in ipairs(step) do
      local from, to = type(m) == "table" and m.from, type(m) == "table" and m.to
      if math.type(from) == nil or from < 0 or from >= p or from ~= math.floor(from) then
        fr = ("p = %d, pas %d, message %d : « from » doit être un GPU de 0 à %d, reçu %s"):format(p, k, i, p - 1, show(from, "fr"))
        en = ("p = %d, step %d, message %d: 'from' must be a GPU from 0 to %d, got %s"):format(p, k, i, p - 1, show(from))
        return { fr = fr, en = en }
      end
      if sent[from] then
        return { fr = ("p = %d, pas %d : le GPU %d envoie deux fois"):format(p, k, from),
                 en = ("p = %d, step %d: GPU %d sends twice"):format(p, k, from) }
      end
      sent[from] = true
      if to ~= (from + 1) % p then
        return { fr = ("p = %d, pas %d : le GPU %d doit envoyer à son voisin %d, reçu « to » = %s"):format(p, k, from, (from + 1) % p, show(to, "fr")),
                 en = ("p = %d, step %d: GPU %d must send to its neighbour %d, got 'to' = %s"):format(p, k, from, (from + 1) % p, show(to)) }
      end
      if not usine.near(m.bytes, bytes / p, 1e-9) then
        return { fr = ("p = %d, pas %d, GPU %d : une tranche de %s octets attendue, reçu %s"):format(p, k, from, fmt(bytes / p, "fr"), show(m.bytes, "fr")),
                 en = ("p = %d, step %d, GPU %d: expected a chunk of %s bytes, got %s"):format(p, k, from, fmt(bytes / p), show(m.bytes)) }
      end
    end
  end
  return nil
end

local function popcount(x)
  local n = 0
  while x ~= 0 do n, x = n + (x & 1), x >> 1 end
  return n
end

-- Replay the data: have[r][c] is the set (bit mask) of the GPUs whose contributions GPU r holds
-- summed for chunk c. A message carries the sender's current set for its chunk; the receiver adds
-- it when the sets are disjoint (reduce), takes it when it is complete (gather), else it would count
-- a contribution twice.
local function replay(s, p, steps)
  local full = (1 << p) - 1
  local have = {}
  for r = 0, p - 1 do
    have[r] = {}
    for c = 0, p - 1 do have[r][c] = 1 << r end
  end
  for k, step in ipairs(steps) do
    local moves = {}
    for _, m in ipairs(step) do
      local c = s.ring_chunk(p, m.from, k)
      if math.type(c) == nil or c ~= math.floor(c) or c < 0 or c >= p then
        return { fr = ("p = %d : ring_chunk(%d, %d, %d) doit être une tranche de 0 à %d, reçu %s"):format(p, p, m.from, k, p - 1, show(c, "fr")),
                 en = ("p = %d: ring_chunk(%d, %d, %d) must be a chunk from 0 to %d, got %s"):format(p, p, m.from, k, p - 1, show(c)) }
      end
      c = math.tointeger(c)
      moves[#moves + 1] = { from = m.from, to = m.to, c = c, val = have[m.from][c] }
    end
    for _, mv in ipairs(moves) do
      local own = have[mv.to][mv.c]
      if own & mv.val == 0 then
        have[mv.to][mv.c] = own | mv.val
      elseif mv.val == full then
        have[mv.to][mv.c] = full
      else
        return { fr = ("p = %d, pas %d : le GPU %d envoie au GPU %d la tranche %d, somme partielle de %d GPU, mais le GPU %d en a déjà %d dans sa somme : elles seraient comptées deux fois"):format(
                   p, k, mv.from, mv.to, mv.c, popcount(mv.val), mv.to, popcount(own & mv.val)),
                 en = ("p = %d, step %d: GPU %d sends GPU %d chunk %d, a partial sum of %d GPUs, but GPU %d already has %d of them in its sum: they would be counted twice"):format(
                   p, k, mv.from, mv.to, mv.c, popcount(mv.val), mv.to, popcount(own & mv.val)) }
      end
    end
  end
  for r = 0, p - 1 do
    for c = 0, p - 1 do
      if have[r][c] ~= full then
        return { fr = ("p = %d : à la fin, le GPU %d n'a la somme que de %d GPU sur %d pour la tranche %d"):format(p, r, popcount(have[r][c]), p, c),
                 en = ("p = %d: at the end, GPU %d holds the sum of only %d GPUs of %d for chunk %d"):format(p, r, popcount(have[r][c]), p, c) }
      end
    end
  end
  return nil
end

-- Partial credit over a list: fn(c) returns nil when c is right, else its message {fr, en[, exam]}.
local function share_of(list, fn)
  local right, first = 0, nil
  for _, c in ipairs(list) do
    local bad = fn(c)
    if bad then first = first or bad else right = right + 1 end
  end
  if right == #list then return true end
  local function count(lang) return (lang == "fr" and "%d cas justes sur %d ; " or "%d of %d cases right; "):format(right, #list) end
  local exam = first.exam or first
  return right / #list, { fr = count("fr") .. first.fr, en = count("en") .. first.en,
                          exam = { fr = count("fr") .. exam.fr, en = count("en") .. exam.en } }
end

local function formula_check(s, ctx, name, cases)
  local list = {}
  for _, c in ipairs(cases) do
    list[#list + 1] = { c = c, name = {
      fr = ("%s, p = %d, %s octets (α = %s s, B = %s o/s)"):format(c.where, c.p, fmt(c.bytes, "fr"), fmt(c.alpha, "fr"), fmt(c.bw, "fr")),
      en = ("%s, p = %d, %s bytes (α = %s s, B = %s B/s)"):format(c.where, c.p, fmt(c.bytes), fmt(c.alpha), fmt(c.bw)) } }
  end
  return usine.cases(ctx, list, function(k) return s[name](k.c.p, k.c.bytes, k.c.alpha, k.c.bw), k.c.want end, {
    rel = 1e-3, unit = "s",
    slip = function(k, got)
      local c = k.c
      if name == "ring_time" and type(got) == "number" and c.p > 1 and usine.near(got, (c.p - 1) * (c.alpha + c.bytes / (c.p * c.bw)), 1e-3) then
        return { fr = "la moitié de l'anneau : après le reduce-scatter, l'all-gather fait encore p − 1 pas",
                 en = "half the ring: after the reduce-scatter, the all-gather takes p − 1 more steps" }
      end
    end })
end

return {
  id = "collectives",
  title = { fr = "Les collectives : anneau et arbre", en = "Collectives: ring and tree" },
  text = {
    fr = [[
# Les collectives : anneau et arbre

En parallélisme de données, chaque GPU calcule des gradients sur sa part du lot ; avant le pas de
l'optimiseur, il faut leur **somme** sur tous les GPU, et que chacun la reçoive : c'est un
**all-reduce**. NCCL (NVIDIA) et RCCL (AMD) le font par un **anneau** ou par des **arbres**.

## Le modèle alpha-bêta

Un message de `S` octets coûte `α + S / B` : une latence `α` (logiciel, cartes, commutateurs) et
un débit `B` en octets/s (Hockney, 1994). Dans un nœud, les GPU se parlent par NVLink ; entre nœuds,
par leurs cartes réseau et les commutateurs. `usine.collective` donne les deux paires, mesurées sur
le réseau de la plateforme : `alpha_intra_s`, `bw_intra_Bps`, `alpha_inter_s`, `bw_inter_Bps`. Un
algorithme « plat » avance au rythme de son lien le plus lent : dès que ses `p` GPU débordent d'un
nœud, il paie `α` et `B` entre nœuds.

## L'anneau

Les `p` GPU forment un anneau : le GPU `r` envoie toujours au GPU `(r + 1) mod p`. Le tampon de
`S` octets est coupé en `p` **tranches** de `S / p`.

1. **Reduce-scatter**, `p − 1` pas : à chaque pas, chaque GPU envoie une tranche à son voisin, qui
   l'ajoute à la sienne. Au pas 1, le GPU `r` envoie sa tranche `r` ; ensuite, il fait suivre la
   tranche qu'il vient de recevoir, augmentée de sa contribution. Après `p − 1` pas, chaque GPU
   détient **une** tranche sommée sur les `p` GPU.
2. **All-gather**, `p − 1` pas : les tranches complètes font le tour de l'anneau, chaque GPU
   recopie ce qu'il reçoit et le fait suivre.

Soit `2 (p − 1)` pas d'une tranche chacun, chacun payant une latence `α` et sa tranche au débit
`B` : à vous d'en écrire le temps.

Le terme de débit tend vers `2 S / B` quel que soit `p` : l'anneau est optimal en débit
(Patarasuk et Yuan, 2009). Mais sa latence croît comme `p`.

## L'arbre double de NCCL

NCCL utilise aussi **deux arbres binaires** (Sanders et al., 2009) : chacun porte la moitié du
tampon, coupée en `K` morceaux qui circulent en pipeline (réduction vers la racine, puis diffusion
vers les feuilles). Usine construit ces arbres comme NCCL ; leur profondeur est `D = ⌈log₂ p⌉`.
Chaque phase est un pipeline de `K` morceaux sur `D` niveaux, donc `K + D − 1` étapes ; un morceau
de `S / (2K)` octets partage chaque lien avec l'autre arbre et passe à `B / 2`. La forme close du
simulateur (`sim/coll.c`) :

```
T_arbre = 2 (K + D − 1) × (α + S / (K × B))
K = arrondi(√((D − 1) × S / (α × B)))
```

`K` minimise ce temps ; il est borné (`1 ≤ K ≤ 1024`), et vaut 1 quand `D = 1` ou `α = 0`. La
latence croît comme `log₂ p` au lieu de `p`.

## Un exemple chiffré

La salle de classe, `p = 64` GPU (8 nœuds), `S` = 1 Mo, entre nœuds `α = 1,8 µs` (trois
commutateurs de 0,6 µs) et `B = 45 Go/s` (une carte NDR de 400 Gb/s à 90 %) :

- anneau : 126 × (1,8 µs + 10⁶ / (64 × 45 × 10⁹)) = 126 × 2,147 µs = **270,6 µs**, dont 227 µs
  de latence ;
- arbre : D = 6, K = arrondi(√(5 × 10⁶ / (1,8 × 10⁻⁶ × 45 × 10⁹))) = arrondi(7,86) = 8, et
  2 × (8 + 5) × (1,8 µs + 10⁶ / (8 × 45 × 10⁹)) = **119,0 µs**.

Pour 1 Go, c'est l'inverse : anneau 44,0 ms, arbre 46,3 ms.

## Un programme de messages

`usine.schedule` exécute un programme de messages sur le réseau simulé (NVLink, cartes,
commutateurs, liens partagés entre les flux) : une liste de **pas**, chaque pas une liste de
messages `{ from = …, to = …, bytes = … }`, les GPU numérotés à partir de 0. Un GPU entre dans le
pas `k` quand tout ce qu'il a envoyé et reçu aux pas précédents est arrivé.

```lua
local steps = {
  { { from = 0, to = 1, bytes = 1e6 },   -- pas 1
    { from = 1, to = 0, bytes = 1e6 } },
  { { from = 0, to = 2, bytes = 1e6 } }, -- pas 2
}
local r = usine.schedule {
  platform = "classroom", gpus = 4, steps = steps }
-- r.time_s, r.step_end_s[k], r.messages
```

Le format ne dit pas **quelle** tranche part : c'est `ring_chunk` qui le dira. La vérification
rejoue alors les données : chaque message porte la somme partielle de l'envoyeur pour cette tranche ;
le destinataire l'ajoute à la sienne (reduce-scatter) ou la recopie si elle est complète
(all-gather). À la fin, chaque GPU doit avoir la somme complète de chaque tranche, sans
contribution comptée deux fois.

## À faire

Temps en secondes, tailles en octets, `alpha` en secondes, `bw` en octets/s.

1. `ring_time(p, bytes, alpha, bw)` : le temps de l'all-reduce en anneau ;
2. `tree_time(p, bytes, alpha, bw)` : le temps de l'all-reduce en arbre double, comme le compte la
   forme close d'Usine ;
3. `ring_schedule(p, bytes)` : le programme de l'anneau pour `usine.schedule` : `2 (p − 1)` pas, où
   chaque GPU `r` envoie une tranche de `bytes / p` octets au GPU `(r + 1) mod p` ;
4. `ring_chunk(p, rank, step)` : la tranche (de 0 à `p − 1`) que le GPU `rank` envoie au pas
   `step` (de 1 à `2 (p − 1)`) ;
5. `faster(p, bytes, alpha, bw)` : `"ring"` si l'anneau est plus rapide que l'arbre double pour ce
   cas, sinon `"tree"` : NCCL fait ce choix à chaque appel, selon la taille et le nombre de GPU.

Les vérifications comparent vos temps aux formes closes de `usine.collective`
(`closed_form_s`, avec `algo = "ring"` ou `"tree"`) sur la salle de classe, Jean Zay et Selene,
de 2 à 64 GPU ; puis elles font exécuter votre programme par `usine.schedule` et comparent son temps
à l'anneau que simule `usine.collective` (`simulated_s`) et à la formule.

Sources : R. Hockney, « The communication challenge for MPP », Parallel Computing, 1994 ;
P. Patarasuk et X. Yuan, « Bandwidth optimal all-reduce algorithms for clusters of workstations »,
JPDC, 2009 ; P. Sanders, J. Speck et J. L. Träff, « Two-tree algorithms for full bandwidth
broadcast, reduction and scan », Parallel Computing, 2009 ; NVIDIA, documentation de NCCL ; réseau
de la salle de classe : `classroom.xml` (InfiniBand NDR, `networks.csv`).
]],
    en = [[
# Collectives: ring and tree

In data parallelism, each GPU computes gradients on its share of the batch; before the optimizer
step, their **sum** over all GPUs is needed, and each GPU must receive it: that is an
**all-reduce**. NCCL (NVIDIA) and RCCL (AMD) do it with a **ring** or with **trees**.

## The alpha-beta model

A message of `S` bytes costs `α + S / B`: a latency `α` (software, cards, switches) and a bandwidth
`B` in bytes/s (Hockney, 1994). Inside a node, GPUs talk over NVLink; between nodes, through their
NICs and the switches. `usine.collective` gives both pairs, measured on the platform's network:
`alpha_intra_s`, `bw_intra_Bps`, `alpha_inter_s`, `bw_inter_Bps`. A "flat" algorithm moves at the
pace of its slowest link: as soon as its `p` GPUs spill out of one node, it pays `α` and `B`
between nodes.

## The ring

The `p` GPUs form a ring: GPU `r` always sends to GPU `(r + 1) mod p`. The buffer of `S` bytes is
cut into `p` **chunks** of `S / p`.

1. **Reduce-scatter**, `p − 1` steps: at each step, every GPU sends a chunk to its neighbour, which
   adds it to its own. At step 1, GPU `r` sends its chunk `r`; after that, it passes on the chunk
   it has just received, with its own contribution added. After `p − 1` steps, each GPU holds
   **one** chunk summed over the `p` GPUs.
2. **All-gather**, `p − 1` steps: the complete chunks go round the ring, each GPU copies what it
   receives and passes it on.

That is `2 (p − 1)` steps of one chunk each, each paying one latency `α` and its chunk at the
bandwidth `B`: its time is yours to write.

The bandwidth term tends to `2 S / B` whatever `p`: the ring is bandwidth-optimal (Patarasuk and
Yuan, 2009). But its latency grows like `p`.

## NCCL's double binary tree

NCCL also uses **two binary trees** (Sanders et al., 2009): each carries half of the buffer, cut
into `K` pieces that flow in a pipeline (reduction up to the root, then broadcast down to the
leaves). Usine builds these trees as NCCL does; their depth is `D = ⌈log₂ p⌉`. Each phase is a
pipeline of `K` pieces over `D` levels, so `K + D − 1` stages; a piece of `S / (2K)` bytes shares
each link with the other tree and moves at `B / 2`. The simulator's closed form (`sim/coll.c`):

```
T_tree = 2 (K + D − 1) × (α + S / (K × B))
K = round(√((D − 1) × S / (α × B)))
```

`K` minimises that time; it is bounded (`1 ≤ K ≤ 1024`), and is 1 when `D = 1` or `α = 0`. The
latency grows like `log₂ p` instead of `p`.

## A worked example

The classroom, `p = 64` GPUs (8 nodes), `S` = 1 MB, between nodes `α = 1.8 µs` (three switches of
0.6 µs) and `B = 45 GB/s` (one 400 Gb/s NDR card at 90 %):

- ring: 126 × (1.8 µs + 10⁶ / (64 × 45 × 10⁹)) = 126 × 2.147 µs = **270.6 µs**, 227 µs of it
  latency;
- tree: D = 6, K = round(√(5 × 10⁶ / (1.8 × 10⁻⁶ × 45 × 10⁹))) = round(7.86) = 8, and
  2 × (8 + 5) × (1.8 µs + 10⁶ / (8 × 45 × 10⁹)) = **119.0 µs**.

For 1 GB it is the other way round: ring 44.0 ms, tree 46.3 ms.

## A message schedule

`usine.schedule` runs a message schedule on the simulated network (NVLink, NICs, switches, links
shared between flows): a list of **steps**, each step a list of messages
`{ from = ..., to = ..., bytes = ... }`, GPUs numbered from 0. A GPU enters step `k` when
everything it sent and received in earlier steps has arrived.

```lua
local steps = {
  { { from = 0, to = 1, bytes = 1e6 },   -- step 1
    { from = 1, to = 0, bytes = 1e6 } },
  { { from = 0, to = 2, bytes = 1e6 } }, -- step 2
}
local r = usine.schedule {
  platform = "classroom", gpus = 4, steps = steps }
-- r.time_s, r.step_end_s[k], r.messages
```

The format does not say **which** chunk travels: `ring_chunk` will. The check then replays the
data: each message carries the sender's partial sum for that chunk; the receiver adds it to its own
(reduce-scatter) or copies it if it is complete (all-gather). At the end, every GPU must hold the
complete sum of every chunk, with no contribution counted twice.

## Your task

Times in seconds, sizes in bytes, `alpha` in seconds, `bw` in bytes/s.

1. `ring_time(p, bytes, alpha, bw)`: the time of the ring all-reduce;
2. `tree_time(p, bytes, alpha, bw)`: the time of the double-tree all-reduce, as Usine's closed form
   counts it;
3. `ring_schedule(p, bytes)`: the ring's schedule for `usine.schedule`: `2 (p − 1)` steps, in which
   every GPU `r` sends a chunk of `bytes / p` bytes to GPU `(r + 1) mod p`;
4. `ring_chunk(p, rank, step)`: the chunk (0 to `p − 1`) that GPU `rank` sends at step `step`
   (1 to `2 (p − 1)`);
5. `faster(p, bytes, alpha, bw)`: `"ring"` if the ring is faster than the double tree for that
   case, else `"tree"`: NCCL makes that choice at every call, by size and number of GPUs.

The checks compare your times with `usine.collective`'s closed forms (`closed_form_s`, with
`algo = "ring"` or `"tree"`) on the classroom, Jean Zay and Selene, from 2 to 64 GPUs; then they
have `usine.schedule` run your schedule and compare its time with the ring that `usine.collective`
simulates (`simulated_s`) and with the formula.

Sources: R. Hockney, "The communication challenge for MPP", Parallel Computing, 1994; P. Patarasuk
and X. Yuan, "Bandwidth optimal all-reduce algorithms for clusters of workstations", JPDC, 2009;
P. Sanders, J. Speck and J. L. Träff, "Two-tree algorithms for full bandwidth broadcast, reduction
and scan", Parallel Computing, 2009; NVIDIA, NCCL documentation; the classroom's network:
`classroom.xml` (InfiniBand NDR, `networks.csv`).
]],
  },
  concepts = {
    fr = { "modèle alpha-bêta", "all-reduce en anneau", "arbre double", "reduce-scatter et all-gather", "programme de messages" },
    en = { "alpha-beta model", "ring all-reduce", "double binary tree", "reduce-scatter and all-gather", "message schedule" },
  },
  difficulty = 3,
  minutes = 45,
  platform = "classroom",
  scenario = { partition = "gpu" },
  -- What a submission may use of usine. Nothing of usine: usine.collective's closed_form_s is the answer of ring_time and tree_time,
  -- and usine.schedule would time a guessed schedule.
  allow = {},
  starter = [[
-- Exercice 7 : les collectives / Exercise 7: collectives
-- Temps en s, tailles en octets, alpha en s, bw en octets/s.
-- Times in s, sizes in bytes, alpha in s, bw in bytes/s.

function ring_time(p, bytes, alpha, bw)
  return 0
end

function tree_time(p, bytes, alpha, bw)
  local D = 0       -- profondeur des arbres / depth of the trees
  local K = 1       -- morceaux du pipeline / pipeline pieces
  return 0
end

-- { {pas 1 / step 1: {from=, to=, bytes=}, ...}, {pas 2 / step 2...}, ... }
function ring_schedule(p, bytes)
  local steps = {}
  return steps
end

function ring_chunk(p, rank, step)
  return 0
end

-- "ring" ou/or "tree"
function faster(p, bytes, alpha, bw)
  return nil
end
]],
  checks = {
    {
      id = "ring-time",
      title = { fr = "Temps de l'anneau", en = "Time of the ring" },
      points = 2,
      hint = { fr = "Combien de pas, et combien d'octets par pas ? Chaque pas paie une latence.",
               en = "How many steps, and how many bytes per step? Each step pays one latency." },
      run = function(s, ctx) return formula_check(s, ctx, "ring_time", ring_cases) end,
    },
    {
      id = "tree-time",
      title = { fr = "Temps de l'arbre double", en = "Time of the double tree" },
      points = 3,
      hint = { fr = "Calculez d'abord D (le plus petit D tel que 2^D ≥ p), puis K arrondi à l'entier le plus proche et borné ; pensez aux cas D = 1 et α = 0.",
               en = "First compute D (the smallest D with 2^D ≥ p), then K rounded to the nearest integer and bounded; think of the cases D = 1 and α = 0." },
      run = function(s, ctx) return formula_check(s, ctx, "tree_time", tree_cases) end,
    },
    {
      id = "faster",
      title = { fr = "Anneau ou arbre : lequel choisir", en = "Ring or tree: which to choose" },
      points = 2,
      hint = { fr = "Comparez vos deux temps : l'anneau paie une latence par GPU, l'arbre par niveau, et leurs termes de débit diffèrent peu.",
               en = "Compare your two times: the ring pays one latency per GPU, the tree one per level, and their bandwidth terms differ little." },
      run = function(s, ctx)
        local list = {}
        while #list < 30 do
          local p = math.floor(2 ^ (1 + math.random() * 11))
          local bytes, alpha, bw = 10 ^ (3 + math.random() * 7), 10 ^ (-7 + math.random() * 2), 10 ^ (10 + math.random() * 2)
          local want = ref.faster(p, bytes, alpha, bw)
          if want then
            list[#list + 1] = { p = p, bytes = bytes, alpha = alpha, bw = bw, want = want, name = {
              fr = ("p = %d, %s octets, α = %s s, B = %s octets/s"):format(p, usine.num(bytes, { lang = "fr", sig = 3 }), usine.num(alpha, { lang = "fr", sig = 3 }), usine.num(bw, { lang = "fr", sig = 3 })),
              en = ("p = %d, %s bytes, α = %s s, B = %s bytes/s"):format(p, usine.num(bytes, { sig = 3 }), usine.num(alpha, { sig = 3 }), usine.num(bw, { sig = 3 })) } }
          end
        end
        return usine.cases(ctx, list, function(c) return s.faster(c.p, c.bytes, c.alpha, c.bw), c.want end, { classes = true })
      end,
    },
    {
      id = "ring-shape",
      title = { fr = "Le programme a la forme d'un anneau", en = "The schedule has the shape of a ring" },
      points = 2,
      hint = { fr = "Deux phases de p − 1 pas ; à chaque pas, tous les GPU envoient une tranche à leur voisin en même temps.",
               en = "Two phases of p − 1 steps; at each step every GPU sends one chunk to its neighbour at the same time." },
      run = function(s)
        return share_of(shape_sizes, function(c) return shape(s.ring_schedule(c[1], c[2]), c[1], c[2]) end)
      end,
    },
    {
      id = "ring-sum",
      title = { fr = "Chaque GPU finit avec la somme complète", en = "Every GPU ends with the whole sum" },
      points = 3,
      hint = { fr = "Suivez une tranche : au pas 1, le GPU r envoie la sienne ; au pas suivant, il fait suivre celle qu'il vient de recevoir. Le même décalage vaut pendant l'all-gather.",
               en = "Follow one chunk: at step 1, GPU r sends its own; at the next step, it passes on the one it has just received. The same shift holds during the all-gather." },
      run = function(s)
        return share_of(replay_sizes, function(p)
          local steps = s.ring_schedule(p, 1e6)
          return shape(steps, p, 1e6) or replay(s, p, steps)
        end)
      end,
    },
    {
      id = "ring-simulated",
      title = { fr = "Le simulateur exécute votre anneau", en = "The simulator runs your ring" },
      points = 2,
      hint = { fr = "Votre programme doit être l'anneau que simule usine.collective : mêmes pas, mêmes voisins, mêmes tailles.",
               en = "Your schedule must be the ring that usine.collective simulates: same steps, same neighbours, same sizes." },
      run = function(s)
        return share_of(sched_cases, function(c)
          local steps = s.ring_schedule(c.gpus, c.bytes)
          local ok, r = pcall(usine.schedule, { platform = c.p, partition = c.part, gpus = c.gpus, steps = steps })
          if not ok then
            return { fr = ("%s, p = %d : usine.schedule refuse le programme : %s"):format(c.where, c.gpus, tostring(r)),
                     en = ("%s, p = %d: usine.schedule refuses the schedule: %s"):format(c.where, c.gpus, tostring(r)) }
          end
          local d = usine.diagnose(r.time_s, c.sim, 1e-6)
          if not usine.near(r.time_s, c.sim, 1e-6) then
            return { fr = ("%s, p = %d, %s octets : votre programme dure %s s, l'anneau de usine.collective %s s (forme close %s s)"):format(c.where, c.gpus, fmt(c.bytes, "fr"), fmt(r.time_s, "fr"), fmt(c.sim, "fr"), fmt(c.closed, "fr")),
                     en = ("%s, p = %d, %s bytes: your schedule takes %s s, usine.collective's ring %s s (closed form %s s)"):format(c.where, c.gpus, fmt(c.bytes), fmt(r.time_s), fmt(c.sim), fmt(c.closed)),
                     exam = { fr = ("%s, p = %d, %s octets : la durée de votre programme %s"):format(c.where, c.gpus, fmt(c.bytes, "fr"), d and d.fr or "diffère de celle de l'anneau"),
                              en = ("%s, p = %d, %s bytes: your schedule's time %s"):format(c.where, c.gpus, fmt(c.bytes), d and d.en or "differs from the ring's") } }
          end
          if not usine.near(r.time_s, c.closed, 1e-3) then
            return { fr = ("%s, p = %d : simulé %s s, mais la formule alpha-bêta donne %s s"):format(c.where, c.gpus, fmt(r.time_s, "fr"), fmt(c.closed, "fr")),
                     en = ("%s, p = %d: simulated %s s, but the alpha-beta formula gives %s s"):format(c.where, c.gpus, fmt(r.time_s), fmt(c.closed)),
                     exam = { fr = ("%s, p = %d : le temps simulé s'écarte de la formule alpha-bêta"):format(c.where, c.gpus),
                              en = ("%s, p = %d: the simulated time strays from the alpha-beta formula"):format(c.where, c.gpus) } }
          end
        end)
      end,
    },
  },
}
