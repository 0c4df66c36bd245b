-- kbaudit's JSONL tables in DuckDB, with no import step: read_json_auto reads them as they are.
--   kbaudit logs share/ --format jsonl -o runs.jsonl
--   kbaudit state share/ --format jsonl -o state.jsonl
--   duckdb < deploy/duckdb.sql

-- The hosts × KBs matrix (one short state per cell).
PIVOT (SELECT host, kb, state FROM read_json_auto('state.jsonl') WHERE kb IS NOT NULL)
ON kb USING first(state) GROUP BY host ORDER BY lower(host);

-- Failures by extended code: how many hosts, first and last seen, and what the code means.
SELECT extended_code, any_value(extended_meaning) AS meaning,
       count(DISTINCT host) AS hosts, count(*) AS runs,
       min(started_local) AS first_seen, max(started_local) AS last_seen
FROM read_json_auto('runs.jsonl')
WHERE outcome = 'failed'
GROUP BY extended_code
ORDER BY hosts DESC;

-- Hosts still waiting for a reboot, as of their last log.
SELECT host, list(kb ORDER BY kb) AS updates, max(last_success_local) AS since
FROM read_json_auto('state.jsonl')
WHERE state = 'installed_pending_reboot'
GROUP BY host
ORDER BY lower(host);

-- Which update last replaced a given file on each host (the replaced_files column).
SELECT host, kb, started_local
FROM read_json_auto('runs.jsonl')
WHERE action = 'install' AND outcome IN ('success', 'reboot_required')
  AND list_contains(string_split(lower(replaced_files), '; '), 'c:\windows\system32\ntdll.dll')
QUALIFY row_number() OVER (PARTITION BY host ORDER BY started_local DESC) = 1;
