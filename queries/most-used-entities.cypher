// Most-used entities: methods, divergences and datasets ranked by the number of distinct papers
// linked to them (USES, PROPOSES or EVALUATES_ON). Table view.
// Optional filter by kind: 'method', 'divergence', 'dataset', or null for all kinds.
// :param kind => null
MATCH (p:Paper)-[:USES|PROPOSES|EVALUATES_ON]->(e:Entity)
WHERE $kind IS NULL OR e.kind = $kind
RETURN e.kind AS kind, e.name AS entity, count(DISTINCT p) AS papers
ORDER BY papers DESC, entity
LIMIT 25;
