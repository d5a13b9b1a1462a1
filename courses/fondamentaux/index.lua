-- Fondamentaux de l'usine d'IA / AI factory fundamentals: the exercises, in course order.
return {
  id = "fondamentaux",
  title = { fr = "Fondamentaux de l'usine d'IA", en = "AI factory fundamentals" },
  exercises = {
    "anatomy",
  },
}
