// A paper's full neighbourhood: the paper, every method/divergence/dataset it links to (with the
// evidence on the relationships), its claims and what each claim is about, and the divergences'
// parents in the family tree. Graph view.
// Set the paper id (see "MATCH (p:Paper) RETURN p.id, p.title"):
// :param paper => 'p001'
MATCH (p:Paper {id: $paper})
OPTIONAL MATCH l = (p)-[:USES|PROPOSES|EVALUATES_ON]->(e:Entity)
OPTIONAL MATCH t = (e)-[:SUBTYPE_OF*]->(:Divergence)
OPTIONAL MATCH c = (p)-[:MAKES]->(:Claim)
OPTIONAL MATCH a = (p)-[:MAKES]->(:Claim)-[:ABOUT]->(:Entity)
RETURN p, collect(DISTINCT l) AS links, collect(DISTINCT t) AS taxonomy,
       collect(DISTINCT c) AS claims, collect(DISTINCT a) AS claim_about;
