-- This computer, measured inside a check (usine.reference "here"); not installed. What roofline,
-- ladder and extrapolate share about measuring here.
local R = {}

-- STREAM on arrays of 4 x the last-level cache (STREAM's rule), kept within 64-128 MiB for quick
-- grading: on a CPU with a huge cache, part of the figure is cache bandwidth. pcall's results.
function R.stream(cpu)
  local l3_mib = (cpu.l3_bytes or 0) / 1048576
  local mib = l3_mib > 0 and math.max(64, math.min(128, math.ceil(4 * l3_mib))) or 128
  return pcall(usine.kernels.stream, mib)
end

-- The words that go after a measurement taken on a busy machine (the kernels' `busy`): share is
-- the smallest cpu_share they reported; what names the figures that suffer ({fr=, en=}, plural).
function R.busy_words(share, what)
  what = what or { fr = "les débits", en = "the rates" }
  local function pct(lang) return usine.num(100 * share, { lang = lang, sig = 3, trim = true }) end
  return { fr = (" (machine occupée : les noyaux n'ont eu que %s %% du processeur demandé ; %s sont sous ceux de cet ordinateur au repos)"):format(pct("fr"), what.fr),
           en = (" (a busy machine: the kernels got only %s %% of the processor they asked for, so %s are below this computer's at rest)"):format(pct("en"), what.en) }
end

return R
