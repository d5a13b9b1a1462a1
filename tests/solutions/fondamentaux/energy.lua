-- Reference solution of courses/fondamentaux/energy.lua (not installed).
function energy_mwh(power_mw, hours, pue)
  return power_mw * hours * pue
end

function carbon_t(energy_mwh, g_per_kwh)
  return energy_mwh * 1000 * g_per_kwh / 1e6
end

function cost_eur(energy_mwh, eur_per_kwh)
  return energy_mwh * 1000 * eur_per_kwh
end

function run_footprint(p, run)
  local f = p:facility()
  local e = energy_mwh(run.power_it_mw, run.wall_time_s / 3600, f.pue)
  return { energy_mwh = e, carbon_t = carbon_t(e, f.carbon_g_per_kwh), cost_eur = cost_eur(e, f.price_eur_per_kwh) }
end

function joules_per_token(p, run)
  return run_footprint(p, run).energy_mwh * 3.6e9 / run.tokens
end

-- tonnes -> grams -> kWh (the grid) -> MWh -> hours (the centre's power, PUE included) -> days
function days_within(carbon_t, power_it_mw, pue, g_per_kwh)
  local mwh = carbon_t * 1e6 / g_per_kwh / 1000
  return mwh / (power_it_mw * pue) / 24
end
