-- The teacher's reference computations for energy.lua (usine.reference "energy"); not installed.
-- They agree with usine.predict's energy_mwh, carbon_t and cost_eur; the checks use them on runs
-- drawn at grading time.
local R = {}

function R.energy_mwh(power_mw, hours, pue) return power_mw * hours * pue end
function R.carbon_t(mwh, g_per_kwh) return mwh * 1000 * g_per_kwh / 1e6 end
function R.cost_eur(mwh, eur_per_kwh) return mwh * 1000 * eur_per_kwh end

-- Days at full load before emitting carbon_t tonnes: tonnes -> grams -> kWh -> MWh -> hours.
function R.days_within(carbon_t, power_it_mw, pue, g_per_kwh)
  return carbon_t * 1e6 / g_per_kwh / 1000 / (power_it_mw * pue) / 24
end

-- A run's footprint on a facility: the machine's power over the wall time, times the PUE.
function R.footprint(f, run)
  local e = R.energy_mwh(run.power_it_mw, run.wall_time_s / 3600, f.pue)
  return { energy_mwh = e, carbon_t = R.carbon_t(e, f.carbon_g_per_kwh), cost_eur = R.cost_eur(e, f.price_eur_per_kwh) }
end

return R
