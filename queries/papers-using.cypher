// Papers using X: every paper linked to the entity named X (a method, divergence or dataset, by its
// name or any alias: "KL", "Kullback-Leibler", "relative entropy", "MMD", "CIFAR-10", ...). A family
// ("f-divergence", "optimal transport") includes its SUBTYPE_OF members. The relationship carries the
// evidence: r.sentence, r.surface, r.rules, r.role (methods), r.variant (KL: forward/reverse).
// Graph view: the papers around the entities; Table view: one row per link.
// Names are matched as `kg papers-using` matches them: folded (case, accents, hyphens, punctuation,
// plurals: -s, -ies, -sses, as kg.models.singular; a "-wise" after the first word dropped), then with a generic head word added or removed ("Wasserstein" -> "Wasserstein distance").
// Set the parameter first (any name or alias):
// :param entity => 'KL'
WITH reduce(s = '', c IN split(toLower(normalize($entity, NFKD)), '') |
       s + CASE WHEN c IN ['-', '_', '/', '‐', '‑', '‒', '–', '—', '―', '−', '\t', '\n'] THEN ' '
                WHEN 'abcdefghijklmnopqrstuvwxyz0123456789 ' CONTAINS c THEN c ELSE '' END) AS folded
WITH [w IN split(folded, ' ') WHERE w <> ''] AS raw
WITH [i IN range(0, size(raw) - 1) WHERE raw[i] <> 'wise' OR i = 0 | raw[i]] AS raw  // block-wise = block
WITH [w IN raw |
      CASE WHEN size(w) <= 3 OR NOT w ENDS WITH 's' OR NOT 'abcdefghijklmnopqrstuvwxyz' CONTAINS substring(w, size(w) - 2, 1) THEN w
           WHEN size(w) > 4 AND w ENDS WITH 'ies' THEN left(w, size(w) - 3) + 'y'
           WHEN w ENDS WITH 'sses' THEN left(w, size(w) - 2)
           WHEN right(w, 2) IN ['ss', 'us', 'is'] THEN w
           ELSE left(w, size(w) - 1) END] AS words
WITH reduce(s = head(words), w IN tail(words) | s + ' ' + w) AS q
WITH q, split(q, ' ') AS words,
     ['divergence', 'distance', 'discrepancy', 'metric', 'loss', 'dataset', 'benchmark', 'method', 'algorithm', 'model'] AS heads
// 1. the folded name or an alias; 2. else with a generic head word removed or added
WITH q, CASE WHEN size(words) > 1 AND last(words) IN heads
             THEN [reduce(s = head(words), w IN words[1..-1] | s + ' ' + w)]
             ELSE [h IN heads | q + ' ' + h] END AS variants
OPTIONAL MATCH (a:Entity) WHERE q IN a.keys OR a.id = $entity
WITH variants, collect(a) AS direct
// 2. only the first variant that names something counts ("Sinkhorn" -> "Sinkhorn divergence")
OPTIONAL MATCH (b:Entity)
WHERE (size(direct) = 0 OR (b:Divergence AND none(a IN direct WHERE a:Divergence)))
  AND any(v IN variants WHERE v IN b.keys)
WITH direct, b, [i IN range(0, size(variants) - 1) WHERE variants[i] IN b.keys][0] AS rank
ORDER BY rank
WITH direct, collect(b) AS bs, collect(rank) AS ranks
// "optimal transport" names a method AND, with a head word, the divergence family
UNWIND direct + [i IN range(0, size(bs) - 1) WHERE ranks[i] = ranks[0] | bs[i]] AS x
MATCH (e:Entity)-[:SUBTYPE_OF*0..]->(x)
MATCH (p:Paper)-[r:USES|PROPOSES|EVALUATES_ON]->(e)
RETURN DISTINCT p, r, e
ORDER BY p.id, e.id
LIMIT 300;
