-- Exercise 16: contention, when messages share a link, and the flow-level simulation of a step.
-- Concepts: a message's path through NVLink or the NICs (one rail per GPU), the load of a link,
-- the lower bound a step cannot beat, max-min fair sharing (progressive filling), simulating a
-- step of messages flow by flow, ECMP across spines.
-- Difficulty 4, 50 minutes. Platform: the classroom factory (one rack: 4 nodes of 8 H100).
-- The checks grade on messages drawn from the grading seed, on made-up nodes (reference
-- computations in reference/contention.lua) and on the classroom's first rack, where the expected
-- time is what the simulator (usine.schedule) measures for the same messages: the reference
-- equals it to 1e-15 on equal and unequal sizes, and the reference solution's full marks under ten
-- seeds (tests/test_exam.c) keep it so.

local ref = usine.reference("contention")

local function fmt(x, lang) return usine.num(x, { lang = lang, sig = 4, trim = true }) end

-- The classroom: its first rack (GPUs 0-31) under one leaf, as the simulator prices a flow.
local CLASSROOM = usine.platform("classroom")
local C = usine.collective{ platform = CLASSROOM, gpus = 16, bytes = 1e8 }
local NET = { gpus_per_node = CLASSROOM:partition("gpu").gpus_per_node, nvlink_gbs = C.bw_intra_Bps / 1e9, nic_gbs = C.bw_inter_Bps / 1e9,
              alpha_nvlink_s = C.alpha_intra_s, alpha_nic_s = C.alpha_inter_s }
local RACK = 32

local function simulated_s(messages)
  return usine.schedule{ platform = CLASSROOM, gpus = RACK * 2, steps = { messages } }.time_s
end

-- Made-up nodes drawn from the grading seed.
local function made_up_net()
  return { gpus_per_node = ({ 4, 8 })[math.random(1, 2)], nvlink_gbs = math.random(10, 90) * 10, nic_gbs = math.random(5, 40) * 2.5,
           alpha_nvlink_s = math.random(1, 50) / 1e7, alpha_nic_s = math.random(1, 50) / 1e7 }
end

local function net_said(net, lang)
  if lang == "fr" then
    return ("nœuds de %d GPU, NVLink %s Go/s, NIC %s Go/s"):format(net.gpus_per_node, fmt(net.nvlink_gbs, "fr"), fmt(net.nic_gbs, "fr"))
  end
  return ("%d-GPU nodes, NVLink %s GB/s, NIC %s GB/s"):format(net.gpus_per_node, fmt(net.nvlink_gbs), fmt(net.nic_gbs))
end

-- Random messages among `gpus` GPUs: `n` of them, sizes from `base` to 4 x base when mixed.
local function random_messages(gpus, n, base, mixed)
  local list = {}
  while #list < n do
    local a, b = math.random(0, gpus - 1), math.random(0, gpus - 1)
    if a ~= b then list[#list + 1] = { from = a, to = b, bytes = mixed and base * math.random(1, 4) or base } end
  end
  return list
end

-- A set where fair sharing ends after the bound: GPU x sends A to y and B to z, while k and j
-- small messages from elsewhere also go to y and to z. A and B are held to y's and z's shares,
-- x's card runs part empty until the small ones end, and x's card carries the most bytes; a few
-- random messages on top. GPUs of `nodes` nodes of net.gpus_per_node.
local function detour(net, nodes, base)
  local g = net.gpus_per_node
  local function on(node) return node * g + math.random(0, g - 1) end
  local nx = math.random(0, nodes - 1)
  local ny = (nx + math.random(1, nodes - 1)) % nodes
  local nz = (ny + math.random(1, nodes - 1)) % nodes
  if nz == nx then nz = (nz + 1) % nodes end
  local x, y, z = on(nx), on(ny), on(nz)
  local msgs = { { from = x, to = y, bytes = base * math.random(8, 12) }, { from = x, to = z, bytes = base * math.random(8, 12) } }
  local used = { [x] = true, [y] = true, [z] = true }
  local function small_to(dst, n)
    local tries = 0
    while n > 0 and tries < 100 do
      tries = tries + 1
      local src = math.random(0, nodes * g - 1)
      if not used[src] and src // g ~= dst // g then
        used[src] = true
        msgs[#msgs + 1] = { from = src, to = dst, bytes = base * math.random(2, 4) }
        n = n - 1
      end
    end
  end
  small_to(y, math.random(2, 4))
  small_to(z, math.random(2, 4))
  for _ = 1, math.random(0, 4) do
    local a, b = math.random(0, nodes * g - 1), math.random(0, nodes * g - 1)
    if a ~= b and not used[a] and not used[b] then msgs[#msgs + 1] = { from = a, to = b, bytes = base * math.random(1, 4) } end
  end
  return msgs
end

-- Patterns of a training step on the classroom's first rack.
local function patterns(mixed)
  local S = ({ 1e7, 4e7, 1e8 })[math.random(1, 3)]
  local function size() return mixed and S * math.random(1, 4) or S end
  local list = {}
  local function add(fr, en, msgs) list[#list + 1] = { fr = fr, en = en, messages = msgs } end
  -- checkpoint shards gathered on one GPU: some from its node, some from others
  local dst, incast = math.random(0, RACK - 1), {}
  for g = 0, RACK - 1 do if g ~= dst and math.random() < 0.4 then incast[#incast + 1] = { from = g, to = dst, bytes = size() } end end
  if #incast == 0 then incast[1] = { from = (dst + 1) % RACK, to = dst, bytes = size() } end
  add(("%d GPU envoient leur part au GPU %d"):format(#incast, dst), ("%d GPUs send their shard to GPU %d"):format(#incast, dst), incast)
  -- pipeline sends, stage k on node k, tensor parallel 8: GPU i to GPU i of the next node
  local pipe = {}
  for node = 0, 2 do for i = 0, 7 do pipe[#pipe + 1] = { from = 8 * node + i, to = 8 * (node + 1) + i, bytes = size() } end end
  add("envois du pipeline, un étage par nœud, chaque GPU vers le même rang du suivant", "pipeline sends, one stage per node, each GPU to the same rank of the next", pipe)
  -- the same sends with the next stage's ranks shifted: still one flow per NIC each way
  local shifted, k = {}, math.random(1, 7)
  for i = 0, 7 do shifted[#shifted + 1] = { from = i, to = 8 + (i + k) % 8, bytes = size() } end
  add(("envois du pipeline vers les rangs décalés de %d"):format(k), ("pipeline sends to ranks shifted by %d"):format(k), shifted)
  -- all-to-all of a mixture-of-experts layer over two nodes
  local a2a = {}
  for a = 0, 15 do for b = 0, 15 do if a ~= b then a2a[#a2a + 1] = { from = a, to = b, bytes = size() / 16 } end end end
  add("all-to-all de 16 GPU sur deux nœuds", "all-to-all of 16 GPUs over two nodes", a2a)
  -- every GPU of node 0 to one GPU of node 1
  local fan, to = {}, 8 + math.random(0, 7)
  for g = 0, 7 do fan[#fan + 1] = { from = g, to = to, bytes = size() } end
  add(("les 8 GPU du nœud 0 vers le GPU %d"):format(to), ("the 8 GPUs of node 0 to GPU %d"):format(to), fan)
  -- random pairs
  add("paires au hasard", "random pairs", random_messages(RACK, math.random(6, 24), S, mixed))
  return list
end

local function copy(messages)
  local t = {}
  for i, m in ipairs(messages) do t[i] = { from = m.from, to = m.to, bytes = m.bytes } end
  return t
end

local function bytes_said(messages, lang)
  local total = 0
  for _, m in ipairs(messages) do total = total + m.bytes end
  return lang == "fr" and ("%d messages, %s Mo"):format(#messages, fmt(total / 1e6, "fr")) or ("%d messages, %s MB"):format(#messages, fmt(total / 1e6))
end

local function one_side_slip(c, got)
  if type(got) ~= "number" then return nil end
  local net = c.net
  local function senders_only()
    local load, t = {}, 0
    for _, m in ipairs(c.messages) do
      local keys, cap, alpha = ref.links(m, net)
      load[keys[1]] = (load[keys[1]] or 0) + m.bytes
      t = math.max(t, alpha + load[keys[1]] / (cap * 1e9))
    end
    return t
  end
  if usine.near(got, senders_only(), 0.01) then
    return { fr = "seuls les liens des émetteurs sont comptés : un message occupe aussi le lien d'entrée de son destinataire",
             en = "only the senders' links are counted: a message also takes its receiver's incoming link" }
  end
end

return {
  id = "contention",
  title = { fr = "La contention : quand les messages partagent un lien", en = "Contention: when messages share a link" },
  text = {
    fr = [[
# La contention : quand les messages partagent un lien

Un pas d'entraînement est fait de messages : les envois du pipeline d'un étage au suivant, les
all-to-all d'une couche de mélange d'experts, les parts d'un point de reprise rassemblées sur un
GPU. Un message seul va au débit de son lien ; plusieurs messages sur le même lien se le
partagent. Le simulateur d'Usine est un simulateur **de flux** : il ne découpe pas les messages en
paquets, il donne à chaque message en vol un débit, et les recalcule chaque fois qu'un message
commence ou finit. Cet exercice vous le fait refaire.

## Le chemin d'un message

Dans un nœud de l'usine de la salle de cours (8 H100), un message sort de son GPU par le NVLink de
celui-ci et entre dans l'autre GPU par le sien. Entre deux nœuds, il sort par la carte réseau de
son GPU (un GPU, une carte, un « rail ») et entre par celle du destinataire ; au milieu, le
commutateur de la baie ne limite rien. Chaque sens d'un lien est une capacité à part : un GPU
peut envoyer et recevoir à plein débit en même temps. Une baie compte 4 nœuds, les GPU 0 à 31.

## La borne

Aucun pas ne finit avant que son lien le plus chargé ait porté ses octets : la **charge** d'un lien
est la somme des octets des messages qui le traversent, et le pas dure au moins, pour le pire lien,
sa latence plus sa charge divisée par sa capacité. Exemple : 4 GPU d'autres nœuds et 3 GPU du même
nœud envoient chacun 100 Mo au GPU 0, NIC à 45 Go/s, NVLink à 450 Go/s. La carte du GPU 0 reçoit
400 Mo : 8,9 ms ; son NVLink 300 Mo : 0,67 ms. Le pas dure au moins 8,9 ms, et les messages du
même nœud, qui n'empruntent pas la carte, n'y changent rien.

## Le partage équitable

Comment des messages se partagent-ils les liens ? Le partage **max-min** (celui des simulateurs
de flux comme SimGrid, et ce que TCP ou InfiniBand approchent) : on ne peut donner plus à un
message qu'en prenant à un message qui a déjà moins. Il se calcule par **remplissage
progressif** : tous les débits montent ensemble depuis zéro ; le premier lien plein fige les débits
de ses messages à sa part ; les autres continuent de monter dans la capacité qui reste ; et ainsi
de suite. Dans l'exemple, la carte du GPU 0 se remplit la première : ses 4 messages à 11,25 Go/s ;
les 3 messages du nœud à 150 Go/s chacun, le tiers du NVLink d'entrée.

Quand un message finit, les autres accélèrent : le simulateur recalcule les débits. Si tous les
messages ont la même taille, le pas dure exactement la borne (les messages du lien le plus chargé
ne vont jamais plus vite que sa part) ; sinon le partage équitable peut faire pire, car un lien
reste à moitié vide pendant qu'un message qu'il porte attend ailleurs.

## Au-delà d'une baie

Entre baies, les messages montent de la feuille vers les épines, et le réseau choisit pour chacun
une épine par hachage (ECMP) : deux messages peuvent tomber sur les mêmes liens pendant que
d'autres restent libres. La dernière vérification vous montre ce que le simulateur en dit.

## À faire

Un message est `{ from = …, to = …, bytes = … }` (GPU comptés depuis 0), un réseau `net` est
`{ gpus_per_node = 8, nvlink_gbs = 450, nic_gbs = 45, alpha_nvlink_s = 7e-7, alpha_nic_s = 6e-7 }`
(débits en Go/s, par sens ; latences en s). Écrivez :

1. `bound_s(messages, net)` : la borne, en s ;
2. `fair_rates(messages, net)` : la liste des débits max-min des messages au départ, en Go/s,
   dans l'ordre des messages ;
3. `makespan_s(messages, net)` : quand arrive le dernier message si les liens sont partagés
   équitablement tout du long (chaque message arrive la latence de son lien après son dernier
   octet) : la simulation de flux d'un pas ;
4. `incast_senders(bytes, seconds, net, nodes)` : combien de GPU au plus, parmi ceux de `nodes`
   nœuds, peuvent envoyer chacun `bytes` octets au GPU 0 en `seconds` secondes.

Les vérifications les essaient sur des nœuds inventés à chaque correction et sur la première
baie de l'usine de la salle de cours, où la valeur attendue est le temps que mesure le simulateur
d'Usine (`usine.schedule`) pour les mêmes messages.

Sources : D. Bertsekas, R. Gallager, « Data Networks », 2e éd., 1992, §6.5 (équité max-min,
remplissage progressif) ; P. Velho, L. Schnorr, H. Casanova, A. Legrand, « On the validity of
flow-level TCP network models for grid and cloud simulations », ACM TOMACS 23(4), 2013 ; NVIDIA
DGX H100 (8 rails InfiniBand par nœud).
]],
    en = [[
# Contention: when messages share a link

A training step is made of messages: the pipeline's sends from one stage to the next, the
all-to-alls of a mixture-of-experts layer, the shards of a checkpoint gathered on one GPU. A
message alone goes at its link's rate; several messages on the same link share it. Usine's
simulator is a **flow-level** simulator: it does not cut messages into packets, it gives every
message in flight a rate, and computes them again whenever a message starts or ends. This exercise
has you do it again.

## A message's path

Inside a node of the classroom factory (8 H100), a message leaves its GPU on that GPU's NVLink and
enters the other GPU on its own. Between two nodes it leaves on its GPU's network card (one GPU,
one card, one "rail") and enters on the receiver's; in between, the rack's switch limits nothing.
Each direction of a link is a capacity of its own: a GPU can send and receive at full rate at once.
A rack has 4 nodes, GPUs 0 to 31.

## The bound

No step ends before its busiest link has carried its bytes: the **load** of a link is the sum of
the bytes of the messages crossing it, and the step lasts at least, for the worst link, its latency
plus its load over its capacity. Example: 4 GPUs of other nodes and 3 GPUs of the same node each
send 100 MB to GPU 0, NIC at 45 GB/s, NVLink at 450 GB/s. GPU 0's card receives 400 MB: 8.9 ms;
its NVLink 300 MB: 0.67 ms. The step lasts at least 8.9 ms, and the messages from the same node,
which do not use the card, change nothing.

## Fair sharing

How do messages share the links? **Max-min** sharing (that of flow-level simulators such as
SimGrid, and what TCP or InfiniBand approach): a message can only get more by taking from a
message that already has less. It is computed by **progressive filling**: all rates rise together
from zero; the first link to fill fixes the rates of its messages at its share; the others keep
rising within the capacity left; and so on. In the example GPU 0's card fills first: its 4
messages at 11.25 GB/s; the 3 messages from the node at 150 GB/s each, a third of the incoming
NVLink.

When a message ends, the others speed up: the simulator computes the rates again. If all
messages have the same size, the step lasts exactly the bound (the messages of the busiest link
never go faster than its share); otherwise fair sharing can do worse, because a link stays half
empty while a message it carries waits elsewhere.

## Beyond one rack

Between racks, messages go up from the leaf to the spines, and the network picks a spine for each
by hashing (ECMP): two messages can land on the same links while others stay free. The last check
shows you what the simulator says of it.

## Your task

A message is `{ from = ..., to = ..., bytes = ... }` (GPUs counted from 0), a network `net` is
`{ gpus_per_node = 8, nvlink_gbs = 450, nic_gbs = 45, alpha_nvlink_s = 7e-7, alpha_nic_s = 6e-7 }`
(rates in GB/s, per direction; latencies in s). Write:

1. `bound_s(messages, net)`: the bound, in s;
2. `fair_rates(messages, net)`: the list of the messages' max-min rates at the start, in GB/s, in
   the messages' order;
3. `makespan_s(messages, net)`: when the last message arrives if the links are shared fairly all
   along (each message arrives its link's latency after its last byte): the flow-level simulation
   of a step;
4. `incast_senders(bytes, seconds, net, nodes)`: how many GPUs at most, among those of `nodes`
   nodes, can each send `bytes` bytes to GPU 0 within `seconds` seconds.

The checks try them on nodes made up at each grading and on the classroom factory's first rack,
where the expected value is the time Usine's simulator (`usine.schedule`)
measures for the same messages.

Sources: D. Bertsekas, R. Gallager, "Data Networks", 2nd ed., 1992, §6.5 (max-min fairness,
progressive filling); P. Velho, L. Schnorr, H. Casanova, A. Legrand, "On the validity of flow-level
TCP network models for grid and cloud simulations", ACM TOMACS 23(4), 2013; NVIDIA DGX H100 (8
InfiniBand rails per node).
]],
  },
  concepts = {
    fr = { "chemin d'un message", "charge d'un lien", "borne inférieure", "équité max-min", "simulation de flux", "ECMP" },
    en = { "a message's path", "link load", "lower bound", "max-min fairness", "flow-level simulation", "ECMP" },
  },
  difficulty = 4,
  minutes = 50,
  platform = "classroom",
  -- Nothing of usine: usine.schedule would simulate the step the exercise asks for.
  allow = {},
  starter = [[
-- Exercice 16 : la contention / Exercise 16: contention
-- messages = { { from = 0, to = 8, bytes = 1e8 }, ... }
-- net = { gpus_per_node = 8, nvlink_gbs = 450, nic_gbs = 45, alpha_nvlink_s = 7e-7, alpha_nic_s = 6e-7 }

-- La borne, en s / the bound, in s
function bound_s(messages, net)
  return nil
end

-- Débits max-min au départ, en Go/s / max-min rates at the start, in GB/s
function fair_rates(messages, net)
  return nil
end

-- Arrivée du dernier message, en s / when the last message arrives, in s
function makespan_s(messages, net)
  return nil
end

-- GPU au plus / GPUs at most
function incast_senders(bytes, seconds, net, nodes)
  return nil
end
]],
  checks = {
    {
      id = "bound",
      title = { fr = "La borne du lien le plus chargé", en = "The busiest link's bound" },
      points = 3,
      hint = { fr = "Pour chaque lien (chaque sens), additionnez les octets des messages qui le traversent ; un message en traverse deux.",
               en = "For each link (each direction), add the bytes of the messages crossing it; a message crosses two." },
      run = function(s, ctx)
        local list = {}
        for k = 1, 12 do
          local net = made_up_net()
          local msgs = random_messages(4 * net.gpus_per_node, math.random(1, 30), math.random(1, 99) * 1e6, true)
          list[#list + 1] = { net = net, messages = msgs, want = ref.bound_s(msgs, net),
                              name = { fr = ("%s ; %s"):format(net_said(net, "fr"), bytes_said(msgs, "fr")), en = ("%s; %s"):format(net_said(net), bytes_said(msgs)) } }
        end
        for _, p in ipairs(patterns(false)) do
          list[#list + 1] = { net = NET, messages = p.messages, want = simulated_s(p.messages),
                              name = { fr = ("salle de cours : %s (%s)"):format(p.fr, bytes_said(p.messages, "fr")), en = ("classroom: %s (%s)"):format(p.en, bytes_said(p.messages)) } }
        end
        return usine.cases(ctx, list, function(c) return s.bound_s(copy(c.messages), c.net), c.want end, { unit = "s", slip = one_side_slip })
      end,
    },
    {
      id = "fair-rates",
      title = { fr = "Le partage max-min", en = "Max-min sharing" },
      points = 3,
      hint = { fr = "Faites monter ensemble les débits non figés : le lien dont la capacité restante par message non figé est la plus petite se remplit le premier.",
               en = "Raise the rates not yet fixed together: the link whose remaining capacity per unfixed message is the smallest fills first." },
      run = function(s, ctx)
        local list = {}
        for k = 1, 12 do
          local net = k <= 4 and NET or made_up_net()
          local gpus = k <= 4 and RACK or 4 * net.gpus_per_node
          local msgs = random_messages(gpus, math.random(2, 24), 1e8, false)
          local rates = ref.fair_rates(msgs, net)
          -- three messages of each set: the slowest, the fastest and one at random
          local lo, hi = 1, 1
          for i = 2, #msgs do
            if rates[i] < rates[lo] then lo = i end
            if rates[i] > rates[hi] then hi = i end
          end
          for _, i in ipairs({ lo, hi, math.random(1, #msgs) }) do
            local m = msgs[i]
            list[#list + 1] = { net = net, messages = msgs, i = i, want = rates[i],
                                name = { fr = ("%s ; %s : message %d (%d vers %d)"):format(net_said(net, "fr"), bytes_said(msgs, "fr"), i, m.from, m.to),
                                         en = ("%s; %s: message %d (%d to %d)"):format(net_said(net), bytes_said(msgs), i, m.from, m.to) } }
          end
        end
        local memo = {}
        return usine.cases(ctx, list, function(c)
          local got = memo[c.messages]
          if got == nil then
            got = s.fair_rates(copy(c.messages), c.net)
            memo[c.messages] = got
          end
          if type(got) ~= "table" then return got, c.want end
          return got[c.i], c.want
        end, { unit = { fr = "Go/s", en = "GB/s" }, slip = function(c, got)
          if type(got) ~= "number" then return nil end
          local keys, cap = ref.links(c.messages[c.i], c.net)
          local n = {}
          for _, m in ipairs(c.messages) do for _, k in ipairs((ref.links(m, c.net))) do n[k] = (n[k] or 0) + 1 end end
          local first = math.min(cap / n[keys[1]], cap / n[keys[2]])
          if usine.near(got, first, 0.01) then
            return { fr = "c'est la part égale de son lien le plus chargé : un message figé plus bas ailleurs laisse de la place aux autres",
                     en = "that is the equal share of its busiest link: a message fixed lower elsewhere leaves room for the others" }
          end
        end })
      end,
    },
    {
      id = "makespan",
      title = { fr = "La simulation de flux d'un pas", en = "The flow-level simulation of a step" },
      points = 3,
      hint = { fr = "Avancez de fin de message en fin de message : entre deux fins, les débits max-min ne changent pas.",
               en = "Step from one message's end to the next: between two ends, the max-min rates do not change." },
      run = function(s, ctx)
        local list = {}
        for _, p in ipairs(patterns(true)) do
          if #p.messages <= 40 then
            list[#list + 1] = { net = NET, messages = p.messages, want = simulated_s(p.messages),
                                name = { fr = ("salle de cours : %s (%s, tailles mêlées)"):format(p.fr, bytes_said(p.messages, "fr")),
                                         en = ("classroom: %s (%s, mixed sizes)"):format(p.en, bytes_said(p.messages)) } }
          end
        end
        -- sets where fair sharing ends after the bound (a few in a hundred random ones): the
        -- bound alone must not pass
        for k = 1, 10 do
          local net = k <= 5 and NET or made_up_net()
          local msgs
          for _ = 1, 5 do
            msgs = detour(net, 4, math.random(1, 99) * 1e6)
            if ref.makespan_s(msgs, net) > 1.02 * ref.bound_s(msgs, net) then break end
          end
          list[#list + 1] = { net = net, messages = msgs, want = k <= 5 and simulated_s(msgs) or ref.makespan_s(msgs, net),
                              name = { fr = ("%s ; %s, tailles mêlées"):format(k <= 5 and "salle de cours" or net_said(net, "fr"), bytes_said(msgs, "fr")),
                                       en = ("%s; %s, mixed sizes"):format(k <= 5 and "classroom" or net_said(net), bytes_said(msgs)) } }
        end
        local share, words = usine.cases(ctx, list, function(c) return s.makespan_s(copy(c.messages), c.net), c.want end, { unit = "s", slip = function(c, got)
          if type(got) ~= "number" then return nil end
          local rates, t = ref.fair_rates(c.messages, c.net), 0
          for i, m in ipairs(c.messages) do
            local _, _, alpha = ref.links(m, c.net)
            t = math.max(t, alpha + m.bytes / (rates[i] * 1e9))
          end
          if usine.near(got, t, 0.01) and not usine.near(t, c.want, 0.01) then
            return { fr = "les débits du départ tout du long : quand un message finit, ceux qui partageaient ses liens accélèrent",
                     en = "the starting rates all along: when a message ends, those that shared its links speed up" }
          end
          if usine.near(got, ref.bound_s(c.messages, c.net), 0.01) then
            return { fr = "c'est la borne : avec des tailles mêlées, le partage équitable peut finir plus tard",
                     en = "that is the bound: with mixed sizes, fair sharing can end later" }
          end
        end })
        if share ~= true then return share, words end
        -- Beyond one rack: every GPU of rack 0 to the same GPU of rack 1, through the spines.
        local across = {}
        for g = 0, RACK - 1 do across[#across + 1] = { from = g, to = g + RACK, bytes = 1e8 } end
        local ok, mine = pcall(s.makespan_s, copy(across), NET)
        local sim = usine.schedule{ platform = CLASSROOM, gpus = 2 * RACK, steps = { across } }.time_s
        local over = usine.finite(mine) and mine > 0 and usine.num(100 * (sim / mine - 1), { sig = 2 }) or "?"
        return true, {
          fr = ("Juste. Au-delà d'une baie : les 32 GPU de la baie 0 envoient chacun 100 Mo au GPU correspondant de la baie 1 ; votre simulation, sans épines, donne %s ms, celle d'Usine %s ms (%s %% de plus) : ECMP a haché plus de flux sur une épine que sur l'autre"):format(
            ok and usine.finite(mine) and fmt(mine * 1e3, "fr") or "?", fmt(sim * 1e3, "fr"), (over:gsub("%.", ","))),
          en = ("Right. Beyond one rack: the 32 GPUs of rack 0 each send 100 MB to the matching GPU of rack 1; your simulation, without spines, gives %s ms, Usine's %s ms (%s %% more): ECMP hashed more flows onto one spine than onto the other"):format(
            ok and usine.finite(mine) and fmt(mine * 1e3) or "?", fmt(sim * 1e3), over) }
      end,
    },
    {
      id = "incast",
      title = { fr = "Combien d'émetteurs vers un GPU", en = "How many senders into one GPU" },
      points = 2,
      hint = { fr = "Deux liens entrent dans le GPU 0, qui travaillent en même temps ; chacun a sa latence et ne sert qu'une partie des GPU.",
               en = "Two links enter GPU 0 and work at once; each has its latency and serves only some of the GPUs." },
      run = function(s, ctx)
        local list = {}
        for k = 1, 20 do
          local net = k <= 4 and NET or made_up_net()
          local nodes, bytes = math.random(1, 64), math.random(1, 999) * 10 ^ math.random(5, 8)
          local seconds = (bytes / (net.nic_gbs * 1e9)) * 10 ^ (math.random() * 2.5 - 0.3)
          list[#list + 1] = { net = net, nodes = nodes, bytes = bytes, seconds = seconds,
                              name = { fr = ("%s ; %d nœuds, %s octets chacun en %s s"):format(net_said(net, "fr"), nodes, fmt(bytes, "fr"), fmt(seconds, "fr")),
                                       en = ("%s; %d nodes, %s bytes each within %s s"):format(net_said(net), nodes, fmt(bytes), fmt(seconds)) } }
        end
        return usine.cases(ctx, list, function(c)
          return s.incast_senders(c.bytes, c.seconds, c.net, c.nodes), ref.incast_senders(c.bytes, c.seconds, c.net, c.nodes)
        end, { exact = true, slip = function(c, got)
          local nic_only = ref.incast_senders(c.bytes, c.seconds, { gpus_per_node = c.net.gpus_per_node, nvlink_gbs = 0, nic_gbs = c.net.nic_gbs,
                                                                    alpha_nvlink_s = math.huge, alpha_nic_s = c.net.alpha_nic_s }, c.nodes)
          if got == nic_only and got ~= ref.incast_senders(c.bytes, c.seconds, c.net, c.nodes) then
            return { fr = "seuls les GPU des autres nœuds sont comptés : ceux du même nœud passent par le NVLink, un autre lien",
                     en = "only the GPUs of other nodes are counted: those of the same node come over NVLink, another link" }
          end
        end })
      end,
    },
  },
}
