// Papers using X: every paper linked to the entity named X (a method, divergence or dataset, by its
// name or any alias: "KL", "Kullback-Leibler", "relative entropy", "MMD", "CIFAR-10", ...). A family
// ("f-divergence", "optimal transport") includes its SUBTYPE_OF members. The relationship carries the
// evidence: r.sentence, r.surface, r.rules, r.role (methods), r.variant (KL: forward/reverse).
// Graph view: the papers around the entities; Table view: one row per link.
// The first lines fold the name like kg does (case, hyphens, plural s), so "KL divergences" works too.
// Set the parameter first (any name or alias):
// :param entity => 'KL'
WITH [w IN split(toLower(replace(replace(replace(trim($entity), '-', ' '), '–', ' '), '_', ' ')), ' ') WHERE w <> '' |
      CASE WHEN size(w) > 3 AND w ENDS WITH 's' AND NOT right(w, 2) IN ['ss', 'us', 'is'] THEN left(w, size(w) - 1) ELSE w END] AS words
WITH reduce(s = head(words), w IN tail(words) | s + ' ' + w) AS q
MATCH (x:Entity)
WHERE q IN x.keys OR x.id = $entity
MATCH (e:Entity)-[:SUBTYPE_OF*0..]->(x)
MATCH (p:Paper)-[r:USES|PROPOSES|EVALUATES_ON]->(e)
RETURN DISTINCT p, r, e
ORDER BY p.id, e.id
LIMIT 300;
