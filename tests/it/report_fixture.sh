# Shared by the report integration tests (sourced): report_fixture DIR writes
# DIR/central.json, DIR/fleet.json (Chinese and hostile names, a joint station) and
# DIR/pvmon.db, a year of daily roll-ups in the schema of docs/storage.md.

report_fixture() {
	D=$1
	cat >"$D/central.json" <<'EOC'
{
  "broker": { "host": "127.0.0.1", "port": 1883 },
  "database": "pvmon.db",
  "fleet": "fleet.json",
  "timezone": "Asia/Shanghai",
  "target_yuan_per_year": 200000
}
EOC
	cat >"$D/fleet.json" <<'EOC'
{
  "county": "临县",
  "townships": [ { "id": "linquan", "name": "临泉镇" }, { "id": "chengzhuang", "name": "城庄镇" } ],
  "villages": [
    { "id": "xipo", "name": "西坡村", "township": "linquan" },
    { "id": "gaojiata", "name": "高家塔村", "township": "linquan" },
    { "id": "evil", "name": "<script>alert(1)</script>", "township": "linquan" },
    { "id": "chengzhuang", "name": "城庄村", "township": "chengzhuang", "target_yuan_per_year": 250000 }
  ],
  "tariffs": [
    { "id": "t", "periods": [
      { "from": "2018-01-01", "to": "2019-06-15", "coal_yuan_per_kwh": "0.3320", "subsidy_yuan_per_kwh": "0.5580" },
      { "from": "2019-06-16", "coal_yuan_per_kwh": "0.3320", "subsidy_yuan_per_kwh": "0.4680" } ] }
  ],
  "stations": [
    { "id": "st-a", "name": "联村电站", "capacity_kw": 500, "commissioned": "2018-06-28",
      "latitude": 37.96, "longitude": 110.99, "meter": { "id": "meter" },
      "inverters": [ { "id": "inv01", "capacity_kw": 250 }, { "id": "inv02", "capacity_kw": 250 } ],
      "shares": [ { "village": "xipo", "weight": 1 }, { "village": "gaojiata", "weight": 1 },
                  { "village": "evil", "weight": 1 } ],
      "tariff": "t",
      "costs": { "land_rent_yuan_per_year": 6000, "insurance_yuan_per_year": 1500, "om_yuan_per_month": 800 } },
    { "id": "st-b", "name": "城庄村电站", "capacity_kw": 300, "commissioned": "2018-06-28",
      "latitude": 37.89, "longitude": 111.06, "meter": { "id": "meter" },
      "inverters": [ { "id": "inv01", "capacity_kw": 150 }, { "id": "inv02", "capacity_kw": 150 } ],
      "shares": [ { "village": "chengzhuang", "weight": 3 }, { "village": "xipo", "weight": 1 } ],
      "tariff": "t",
      "costs": { "land_rent_yuan_per_year": 6000 } }
  ]
}
EOC

	# The documented schema, then a year of roll-ups: days 17713 (2018-07-01) to 18078
	# (2019-07-01); good readings at 06:00 and 19:00 local (UTC+8). st-b's meter is
	# silent 10-19 June 2019 (its counter books the gap on the 20th) while its inverters
	# are offline 14 hours a day.
	sed -n '/^```sql/,/^```/p' docs/storage.md | sed '1d;$d' >"$D/schema.sql"
	ver=$(sed -n 's/^## Tables (schema version \([0-9]*\)).*/\1/p' docs/storage.md)
	echo "PRAGMA user_version = ${ver:-1};" >>"$D/schema.sql"
	cat >>"$D/schema.sql" <<'EOS'
WITH RECURSIVE days(d) AS (SELECT 17713 UNION ALL SELECT d + 1 FROM days WHERE d < 18078),
devs(station, device, kind, e) AS (VALUES
  ('st-a', 'meter', 1, 1600000), ('st-a', 'inv01', 0, 810000), ('st-a', 'inv02', 0, 810000),
  ('st-b', 'meter', 1, 900000), ('st-b', 'inv01', 0, 455000), ('st-b', 'inv02', 0, 455000))
INSERT INTO daily (station, device, day, kind, n_readings, first_ts, first_wh, last_ts, last_wh,
                   delta_wh)
SELECT station, device, d, kind, 1440, (d * 86400 - 7200) * 1000, 1000000 + (d - 17713) * e,
       (d * 86400 + 39600) * 1000, 1000000 + (d - 17712) * e, e
FROM days, devs
WHERE NOT (station = 'st-b' AND device = 'meter' AND d BETWEEN 18057 AND 18066);
UPDATE daily SET delta_wh = delta_wh * 11 WHERE station = 'st-b' AND device = 'meter' AND day = 18067;
UPDATE daily SET offline_s = 50400, n_readings = 600
 WHERE station = 'st-b' AND device <> 'meter' AND day BETWEEN 18057 AND 18066;
INSERT INTO daily (station, device, day, kind, n_readings) VALUES ('st-zz', 'meter', 18050, 1, 5);
EOS
	sqlite3 "$D/pvmon.db" <"$D/schema.sql"
}
