#!/bin/sh
# The province bench's fleet (docs/scale.md, "The province bench"): STATIONS village stations
# (default 5,500) in COUNTIES counties (default 12) of 23 townships each, one gateway per station,
# 8 inverters and a meter per station and a ninth inverter at every eleventh: 50,000 devices for
# 5,500 stations. Every fourth station is a joint station of three villages (40/35/25).
# Writes, in fleet.json form (docs/config.md):
#   OUT/province.json  every county's townships, villages and stations, as one fleet
#   OUT/county.json    the first county alone (about 460 stations, 4,200 devices)
#   OUT/devices.txt    "<gateway> <station> <device> inverter|meter", for bench/scale/pub
# usage: sh bench/scale/fleet.sh OUT [STATIONS [COUNTIES]]
set -e
out=$1
stations=${2:-5500}
counties=${3:-12}
[ -n "$out" ] && [ -d "$out" ] || { echo "usage: fleet.sh OUT_DIR [STATIONS [COUNTIES]]" >&2; exit 2; }
[ "$stations" -ge "$counties" ] && [ "$counties" -ge 1 ] ||
	{ echo "fleet.sh: need STATIONS >= COUNTIES >= 1" >&2; exit 2; }
awk -v dir="$out" -v S="$stations" -v C="$counties" '
function lo(c) { return int(c * S / C) }
# fleet(f, c0, c1): the fleet file of counties c0 .. c1-1.
function fleet(f, c0, c1,   c, t, v, s, i, n, nv, nt, first, vi, sep) {
	printf "{\n\"county\": \"%s\",\n\"townships\": [\n", (c1 - c0 > 1 ? "省" : "县01") > f
	first = 1
	for (c = c0; c < c1; c++)
		for (t = 0; t < nts[c]; t++) {
			printf "%s{\"id\": \"c%02dt%02d\", \"name\": \"县%02d乡镇%02d\"}\n",
				first ? "" : ",", c + 1, t, c + 1, t > f
			first = 0
		}
	printf "],\n\"villages\": [\n" > f
	first = 1
	for (c = c0; c < c1; c++)
		for (v = 0; v < nvs[c]; v++) {
			printf "%s{\"id\": \"c%02dv%04d\", \"name\": \"县%02d村庄%04d\", \"township\": \"c%02dt%02d\"}\n",
				first ? "" : ",", c + 1, v, c + 1, v, c + 1, v % nts[c] > f
			first = 0
		}
	printf "],\n\"tariffs\": [{\"id\": \"sx\", \"periods\": [" > f
	printf "{\"from\": \"2016-01-01\", \"to\": \"2019-06-30\", \"coal_yuan_per_kwh\": \"0.3320\", \"subsidy_yuan_per_kwh\": \"0.5580\"}," > f
	printf "{\"from\": \"2019-07-01\", \"coal_yuan_per_kwh\": \"0.3320\", \"subsidy_yuan_per_kwh\": \"0.4680\"}]}],\n" > f
	printf "\"stations\": [\n" > f
	first = 1
	for (c = c0; c < c1; c++)
		for (s = lo(c); s < lo(c + 1); s++) {
			n = (s % 11 == 0) ? 9 : 8
			printf "%s{\"id\": \"%s\", \"name\": \"光伏电站%s\", \"gateway\": \"gw-%s\", \"capacity_kw\": 400, \"commissioned\": \"2016-06-30\", \"latitude\": 37.95, \"longitude\": 110.99, \"meter\": {\"id\": \"meter\"}, \"inverters\": [",
				first ? "" : ",", sid[s], sid[s], sid[s] > f
			first = 0
			for (i = 1; i <= n; i++)
				printf "%s{\"id\": \"inv%02d\", \"capacity_kw\": 50}", (i > 1 ? "," : ""), i > f
			vi = (s - lo(c)) % nvs[c]
			if (s % 4 == 0)
				printf "], \"shares\": [{\"village\": \"c%02dv%04d\", \"weight\": 40}, {\"village\": \"c%02dv%04d\", \"weight\": 35}, {\"village\": \"c%02dv%04d\", \"weight\": 25}],",
					c + 1, vi, c + 1, (vi + 1) % nvs[c], c + 1, (vi + 2) % nvs[c] > f
			else
				printf "], \"shares\": [{\"village\": \"c%02dv%04d\", \"weight\": 1}],", c + 1, vi > f
			printf " \"tariff\": \"sx\", \"costs\": {\"land_rent_yuan_per_year\": 6000, \"insurance_yuan_per_year\": 1500, \"om_yuan_per_month\": 800, \"om_cap_yuan_per_kw_year\": 30}}\n" > f
		}
	printf "]\n}\n" > f
	close(f)
}
BEGIN {
	for (c = 0; c < C; c++) {
		n = lo(c + 1) - lo(c)
		nvs[c] = int(n * 447 / 720) + 1 # the villages per station of Lin County
		nts[c] = nvs[c] < 23 ? nvs[c] : 23
		for (s = lo(c); s < lo(c + 1); s++)
			sid[s] = sprintf("c%02ds%04d", c + 1, s - lo(c))
	}
	fleet(dir "/province.json", 0, C)
	fleet(dir "/county.json", 0, 1)
	d = dir "/devices.txt"
	for (s = 0; s < S; s++) {
		n = (s % 11 == 0) ? 9 : 8
		for (i = 1; i <= n; i++)
			printf "gw-%s %s inv%02d inverter\n", sid[s], sid[s], i > d
		printf "gw-%s %s meter meter\n", sid[s], sid[s] > d
	}
	close(d)
}'
