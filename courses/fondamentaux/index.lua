-- Fondamentaux de l'usine d'IA / AI factory fundamentals: the exercises, in course order.
-- The teacher's guide (../TEACHING.md) says how to run the course; the author's guide
-- (../AUTHORING.md) how to write an exercise.
return {
  id = "fondamentaux",
  title = { fr = "Fondamentaux de l'usine d'IA", en = "AI factory fundamentals" },
  exercises = {
    "anatomy",          -- 1. the factory: GPUs, peak, power
    "roofline",         -- 2. arithmetic intensity and the roofline
    "ladder",           -- 3. the matrix-multiplication ladder, measured here
    "amdahl",           -- 4. Amdahl and OpenMP: the serial fraction
    "training-flops",   -- 5. the compute of a training run, 6 N D
    "memory",           -- 6. the memory of training, ZeRO
    "collectives",      -- 7. ring and tree all-reduce, a ring schedule simulated
    "data-parallel",    -- 8. hiding the gradient reduction behind the backward pass
    "parallelism",      -- 9. tensor, pipeline, data: choosing a plan, the bubble
    "topology",         -- 10. fat tree, oversubscription, contention
    "energy",           -- 11. energy and carbon of a training run
    "reliability",      -- 12. failures and checkpoints at scale
    "scaling-laws",     -- 13. scaling laws and the compute-optimal model size
    "extrapolate",      -- 14. from this computer's measurements to the factories, by the roofline
    "mpi",              -- 15. a real data-parallel run over MPI, against its prediction
    "contention",       -- 16. messages sharing links: the bound, max-min sharing, a step simulated flow by flow
  },
}
