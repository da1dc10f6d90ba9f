// kg graph schema for Neo4j 5 (Community edition). See docs/schema.md for the model.
// Idempotent: every statement uses IF NOT EXISTS, so it can be re-run at will.
// kg's Neo4j store runs exactly these statements when it opens (kg/store/cypher.py: SCHEMA;
// a test keeps this file and that list identical).

// Uniqueness constraints (each also creates a range index on the property).
CREATE CONSTRAINT paper_id IF NOT EXISTS FOR (n:Paper) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT entity_id IF NOT EXISTS FOR (n:Entity) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT method_id IF NOT EXISTS FOR (n:Method) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT divergence_id IF NOT EXISTS FOR (n:Divergence) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT dataset_id IF NOT EXISTS FOR (n:Dataset) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT claim_id IF NOT EXISTS FOR (n:Claim) REQUIRE n.id IS UNIQUE;

// Range indexes: folded lookup keys (case/accent/hyphen/plural-insensitive), years, claim types.
CREATE INDEX entity_key IF NOT EXISTS FOR (n:Entity) ON (n.key);

// Text index: every folded name and alias of an entity in one string, each between U+001E
// separators (keytext), so a name lookup (CONTAINS separator+key+separator) and a name search
// (CONTAINS key) read the index instead of every entity's key list.
CREATE TEXT INDEX entity_keytext IF NOT EXISTS FOR (n:Entity) ON (n.keytext);
CREATE INDEX paper_year IF NOT EXISTS FOR (n:Paper) ON (n.year);
CREATE INDEX claim_type IF NOT EXISTS FOR (n:Claim) ON (n.type);

// Full-text indexes: entity names and aliases; paper titles. (Abstracts are not full-text indexed:
// indexing them made writes ~30% slower; kg's word filter uses the folded Paper.search property.)
// Example: CALL db.index.fulltext.queryNodes('entity_names', 'wasserstein') YIELD node, score
CREATE FULLTEXT INDEX entity_names IF NOT EXISTS FOR (n:Method|Divergence|Dataset) ON EACH [n.name, n.aliases];
CREATE FULLTEXT INDEX paper_titles IF NOT EXISTS FOR (n:Paper) ON EACH [n.title];

// Summary nodes kept up to date at every write (kg.store.cypher, docs/schema.md): papers per year,
// per entity and year, and per co-occurring entity pair — so aggregate questions never scan papers.
CREATE CONSTRAINT year_count_key IF NOT EXISTS FOR (n:YearCount) REQUIRE n.key IS UNIQUE;
CREATE CONSTRAINT entity_year_key IF NOT EXISTS FOR (n:EntityYear) REQUIRE n.key IS UNIQUE;
CREATE CONSTRAINT cooc_key IF NOT EXISTS FOR (n:Cooc) REQUIRE n.key IS UNIQUE;
CREATE INDEX entity_year_entity IF NOT EXISTS FOR (n:EntityYear) ON (n.entity);
CREATE INDEX cooc_a IF NOT EXISTS FOR (n:Cooc) ON (n.a);

// Families (an entity with its SUBTYPE_OF descendants), materialised at every write (kg.store.cypher,
// docs/schema.md): (:Entity)-[:FAM]->(:Paper) carries the page-order keys of each paper of the family,
// one relationship index per page order, so a page of "papers using <family>" is read in order and
// stops at its limit; (:Entity)-[:FAM_ABOUT]->(:Claim) likewise for claims; FamYear and FamCooc are
// the per-year and co-occurrence counts of the families with descendants.
CREATE INDEX fam_id IF NOT EXISTS FOR ()-[m:FAM]-() ON (m.anc, m.pid);
CREATE INDEX fam_relevance IF NOT EXISTS FOR ()-[m:FAM]-() ON (m.anc, m.nscore, m.pid);
CREATE INDEX fam_year_asc IF NOT EXISTS FOR ()-[m:FAM]-() ON (m.anc, m.ya, m.pid);
CREATE INDEX fam_year_desc IF NOT EXISTS FOR ()-[m:FAM]-() ON (m.anc, m.yd, m.pid);
CREATE INDEX fam_about_id IF NOT EXISTS FOR ()-[m:FAM_ABOUT]-() ON (m.anc, m.cid);
CREATE INDEX fam_about_type IF NOT EXISTS FOR ()-[m:FAM_ABOUT]-() ON (m.anc, m.type, m.cid);
CREATE CONSTRAINT fam_year_key IF NOT EXISTS FOR (n:FamYear) REQUIRE n.key IS UNIQUE;
CREATE CONSTRAINT fam_cooc_key IF NOT EXISTS FOR (n:FamCooc) REQUIRE n.key IS UNIQUE;
CREATE INDEX fam_year_anc IF NOT EXISTS FOR (n:FamYear) ON (n.anc);
CREATE INDEX fam_cooc_anc IF NOT EXISTS FOR (n:FamCooc) ON (n.anc);

// Kind tags ("a link to any method, proposed": id-less filters) are pseudo-families: a (:KgTag) node
// with FAM relationships to its papers (score 0), so "papers proposing any method" is an index read;
// FamPair counts the papers in both of two families or tags (key "a|b", a < b), the total of a
// two-filter search in one read.
CREATE CONSTRAINT kg_tag_id IF NOT EXISTS FOR (n:KgTag) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT kg_meta_key IF NOT EXISTS FOR (n:KgMeta) REQUIRE n.key IS UNIQUE;
CREATE CONSTRAINT fam_pair_key IF NOT EXISTS FOR (n:FamPair) REQUIRE n.key IS UNIQUE;
CREATE INDEX fam_pair_a IF NOT EXISTS FOR (n:FamPair) ON (n.a);
CREATE INDEX fam_pair_b IF NOT EXISTS FOR (n:FamPair) ON (n.b);
