// The divergence family tree: every Divergence with its SUBTYPE_OF path up to a top family
// (f-divergences, integral probability metrics, optimal transport, Bregman, Rényi, ...), including
// taxonomy nodes no paper mentions. Graph view shows the tree; leaves point to their parents.
// No parameter.
MATCH path = (d:Divergence)-[:SUBTYPE_OF*]->(top:Divergence)
WHERE NOT (top)-[:SUBTYPE_OF]->(:Divergence)
  AND NOT ()-[:SUBTYPE_OF]->(d)
RETURN path
UNION
MATCH path = (d:Divergence)
WHERE NOT (d)-[:SUBTYPE_OF]-(:Divergence)
RETURN path;
