// Divergence × method co-occurrence: which methods appear in the same papers as which divergences,
// with the number of papers that link both (and a few of their ids). Table view.
// Optional filter: a divergence name or alias (e.g. 'KL', 'Wasserstein'), or null for all.
// :param divergence => null
WITH reduce(s = '', c IN split(toLower(normalize(coalesce($divergence, ''), NFKD)), '') |
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
MATCH (d:Divergence)<-[:USES]-(p:Paper)-[:USES|PROPOSES]->(m:Method)
WHERE $divergence IS NULL OR q IN d.keys
RETURN d.name AS divergence, m.name AS method, count(DISTINCT p) AS papers,
       collect(DISTINCT p.id)[..5] AS example_papers
ORDER BY papers DESC, divergence, method
LIMIT 100;
