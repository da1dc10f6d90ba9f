// Divergence × method co-occurrence: which methods appear in the same papers as which divergences,
// with the number of papers that link both (and a few of their ids). Table view.
// Optional filter: a divergence name or alias (e.g. 'KL', 'Wasserstein'), or null for all.
// :param divergence => null
WITH CASE WHEN $divergence IS NULL THEN null
          ELSE toLower(trim(replace(replace($divergence, '-', ' '), '–', ' '))) END AS q
MATCH (d:Divergence)<-[:USES]-(p:Paper)-[:USES|PROPOSES]->(m:Method)
WHERE q IS NULL OR q IN d.keys
RETURN d.name AS divergence, m.name AS method, count(DISTINCT p) AS papers,
       collect(DISTINCT p.id)[..5] AS example_papers
ORDER BY papers DESC, divergence, method
LIMIT 100;
