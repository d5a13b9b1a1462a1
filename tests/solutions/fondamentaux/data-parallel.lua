-- Reference solution of courses/fondamentaux/data-parallel.lua (not installed).

function nic_share(p, id)
  local part = p:partition(id)
  local node_Bps = part.node.nics * part.node.nic_gbit_s * 1e9 / 8 * part.network.eff_bandwidth
  return node_Bps / part.gpus_per_node
end

function allreduce_time(bytes, dp, alpha, bw)
  return 2 * (dp - 1) * (alpha + bytes / (dp * bw))
end

function backward_time(params, tokens, tflops)
  return 4 * params * tokens / (tflops * 1e12)
end

-- The last layer's share leaves at the end; the rest hides behind the backward pass, up to its length.
function exposed_comm(t_ar, t_bwd, layers)
  return t_ar - math.min(t_ar * (1 - 1 / layers), t_bwd)
end

function min_batch_hidden(t_ar, t_bwd_seq, layers)
  local need = t_ar * (1 - 1 / layers)
  local b = math.max(1, math.ceil(need / t_bwd_seq))
  while b > 1 and (b - 1) * t_bwd_seq >= need do b = b - 1 end   -- guard against rounding
  while b * t_bwd_seq < need do b = b + 1 end
  return b
end
