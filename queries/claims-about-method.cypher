// Claims about a method: the typed claim sentences (proposal, theoretical, empirical, other) in which
// the method is tagged, with the paper that makes them. Table view; return c, p for the graph.
// Set the method (its name or any alias):
// :param method => 'diffusion models'
WITH reduce(s = '', c IN split(toLower(normalize($method, NFKD)), '') |
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
MATCH (m:Method)
WHERE q IN m.keys OR m.id = $method
MATCH (p:Paper)-[:MAKES]->(c:Claim)-[:ABOUT]->(m)
RETURN m.name AS method, c.type AS type, c.text AS claim, p.id AS paper, p.title AS title
ORDER BY p.id, c.sentence_index;
