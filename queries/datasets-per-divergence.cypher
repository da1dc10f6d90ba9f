// Datasets per divergence: for each divergence, the datasets that papers using it evaluate on,
// with the number of such papers per dataset. Table view (one row per divergence × dataset).
// No parameter.
MATCH (d:Divergence)<-[:USES]-(p:Paper)-[:EVALUATES_ON]->(ds:Dataset)
WITH d, ds, count(DISTINCT p) AS papers, collect(DISTINCT p.id)[..5] AS example_papers
RETURN d.name AS divergence, ds.name AS dataset, papers, example_papers
ORDER BY divergence, papers DESC, dataset;
