// Most-used entities: methods, divergences and datasets ranked by the number of distinct papers
// linked to them (USES, PROPOSES or EVALUATES_ON: one link per paper and entity, so it is the
// entity's degree, read from the degree store without walking the links). Table view.
// Optional filter by kind: 'method', 'divergence', 'dataset', or null for all kinds.
// :param kind => null
MATCH (e:Entity)
WHERE $kind IS NULL OR e.kind = $kind
WITH e, COUNT { (e)<-[:USES|PROPOSES|EVALUATES_ON]-() } AS papers
WHERE papers > 0
RETURN e.kind AS kind, e.name AS entity, papers
ORDER BY papers DESC, entity
LIMIT 25;
