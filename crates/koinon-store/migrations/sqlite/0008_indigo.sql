-- The INDIGO knowledge bank: GO Lab's open data on the world's impact bonds. World public data,
-- not per tenant. A project row holds the columns that lists filter and sum on; `detail` holds
-- the whole parsed project as JSON (metrics, pricings, payments per plan, results, investments).
-- Amounts are exact decimal strings with their ISO 4217 code; dates are 'YYYY', 'YYYY-MM' or
-- 'YYYY-MM-DD' text. A re-import replaces each project's row and countries whole, so a value
-- withdrawn from the public data leaves no stale copy.

CREATE TABLE indigo_projects (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    stage TEXT,
    policy_sector TEXT,
    start_on TEXT,
    start_year INTEGER,
    investment_currency TEXT,
    investment_exact TEXT,
    max_outcome_payment_currency TEXT,
    max_outcome_payment TEXT,
    target_service_users INTEGER,
    search_text TEXT NOT NULL,
    detail TEXT NOT NULL,
    imported_at_us INTEGER NOT NULL
);
CREATE INDEX indigo_projects_sector_idx ON indigo_projects (policy_sector, id);

CREATE TABLE indigo_project_countries (
    project_id TEXT NOT NULL REFERENCES indigo_projects (id) ON DELETE CASCADE,
    country TEXT NOT NULL,
    PRIMARY KEY (project_id, country)
);
CREATE INDEX indigo_project_countries_country_idx ON indigo_project_countries (country, project_id);

CREATE TABLE indigo_organisations (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    org_type TEXT,
    country TEXT,
    website TEXT
);
