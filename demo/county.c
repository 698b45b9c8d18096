/*
 * county: generates the demo's Lin-County-like fleet from a fixed seed (23 real townships, 447
 * villages, ~310 stations, ~193 MW), its central file, the history plan with the faulty stations,
 * and the simulator and collector files of the few live stations. Never opens a database or a
 * socket: it only writes files into the output folder.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "caltime.h"
#include "sun.h"
#include "util.h"

#define N_VILLAGES 447
#define N_OWN_ONLY 130 /* villages with their own station and no joint share */
#define N_OWN_JOINT 70 /* villages with their own station and a joint share */
#define N_STATIONS 310
#define TOTAL_KW 193000
#define MAX_SHARES 6
#define N_LIVE 4
#define SENSOR_MIN_KW 1000 /* stations this big have an irradiance sensor */
#define SENSOR_PROFILE "pyranometer-generic"

/* Inverter families and export meters, by the profile names of config/profiles. */
enum brand { HUAWEI, SUNGROW, SUNSPEC_INV };
enum meter { CHINT, ACREL, SUNSPEC_METER };
static const char *const brand_profile[] = {"huawei-sun2000", "sungrow-sg", "sunspec"};
static const char *const meter_profile[] = {"chint-dtsu666", "acrel-adw300", "sunspec"};

/* Lin County's 13 towns and 10 townships, with the pinyin used as ids. */
static const struct {
	const char *id, *name;
} townships[] = {
    {"linquan", "临泉镇"},       {"baiwen", "白文镇"},       {"chengzhuang", "城庄镇"},
    {"tuban", "兔坂镇"},         {"kehu", "克虎镇"},         {"sanjiao", "三交镇"},
    {"tuanshuitou", "湍水头镇"}, {"linjiaping", "林家坪镇"}, {"zhaoxian", "招贤镇"},
    {"qikou", "碛口镇"},         {"liujiahui", "刘家会镇"},  {"congluoyu", "丛罗峪镇"},
    {"quyu", "曲峪镇"},          {"babao", "八堡乡"},        {"dayu", "大禹乡"},
    {"chegan", "车赶乡"},        {"anye", "安业乡"},         {"yuping", "玉坪乡"},
    {"qingliangsi", "青凉寺乡"}, {"leijiaqi", "雷家碛乡"},   {"muguaping", "木瓜坪乡"},
    {"shibaitou", "石白头乡"},   {"kaihua", "开化乡"},
};
#define N_TOWNSHIPS ((int)UTIL_ARRAY_LEN(townships))

/* Syllables of village names in the loess hills: surname + 家 + landform, or place + landform. */
static const struct {
	const char *py, *zh;
} surnames[] = {{"wang", "王"}, {"li", "李"},    {"zhang", "张"}, {"liu", "刘"},  {"gao", "高"},
                {"yang", "杨"}, {"guo", "郭"},   {"bai", "白"},   {"xue", "薛"},  {"he", "贺"},
                {"feng", "冯"}, {"cao", "曹"},   {"cui", "崔"},   {"sun", "孙"},  {"wu", "武"},
                {"ren", "任"},  {"lv", "吕"},    {"ma", "马"},    {"chen", "陈"}, {"zhao", "赵"},
                {"fan", "樊"},  {"hao", "郝"},   {"yan", "闫"},   {"qin", "秦"},  {"kang", "康"},
                {"huo", "霍"},  {"cheng", "成"}, {"tian", "田"},  {"han", "韩"},  {"liang", "梁"},
                {"su", "苏"},   {"chang", "常"}, {"duan", "段"},  {"qiao", "乔"}, {"lei", "雷"},
                {"mu", "穆"},   {"wen", "温"},   {"shang", "尚"}, {"qu", "屈"},   {"du", "杜"}},
  places[] = {{"dong", "东"}, {"xi", "西"},    {"nan", "南"}, {"bei", "北"}, {"qian", "前"},
              {"hou", "后"},  {"shang", "上"}, {"xia", "下"}, {"da", "大"},  {"xiao", "小"},
              {"hong", "红"}, {"shi", "石"},   {"zao", "枣"}, {"liu", "柳"}, {"sha", "沙"}},
  landforms[] = {{"ping", "坪"}, {"ta", "塔"},     {"shan", "山"},    {"gou", "沟"},
                 {"mao", "峁"},  {"yan", "墕"},    {"ling", "岭"},    {"wan", "湾"},
                 {"po", "坡"},   {"zhuang", "庄"}, {"wa", "洼"},      {"qu", "渠"},
                 {"yu", "峪"},   {"chuan", "川"},  {"getai", "圪台"}, {"geduo", "圪垛"}};

struct village {
	char id[48], name[48];
	int township;
	int own;    /* index of its own village station, or -1 */
	int64_t kw; /* joint share weight, kW of the joint station it stands for */
	double lat, lon;
};

struct share {
	int village;
	int64_t weight;
};

/* What goes wrong at a station during the history (the plan history reads). */
struct trouble {
	double soiling;       /* 1: clean */
	int dead_inv;         /* inverter index that stops answering, or -1 */
	int32_t dead_from;    /* local day */
	int fault_inv;        /* inverter index reporting "fault", or -1 */
	int32_t fault_from;   /* local day */
	int32_t meter_off[2]; /* meter not answering for these days (inclusive), or 0 0 */
	int32_t link_off[2];  /* gateway down: no readings at all, or 0 0 */
	int reset_inv;        /* inverter replaced (counter restarts at 0), or -1 */
	int32_t reset_day;
	const char *what; /* one line for the summary, or NULL */
};

struct station {
	char id[48], name[96], gw[48];
	int township, joint;
	int64_t kw;
	enum brand brand;
	enum meter meter;
	int n_inv;
	int64_t inv_w; /* AC nameplate of each inverter */
	struct share shares[MAX_SHARES];
	int n_shares;
	int32_t commissioned;
	double lat, lon;
	int live;   /* 1 + index of the live station, 0 when only history */
	int sensor; /* an irradiance sensor "irr" (the unit after the meter) */
	struct trouble t;
};

struct county {
	uint64_t rng;
	struct village v[N_VILLAGES];
	struct station s[N_STATIONS + 64];
	int n_stations;
	int32_t from_day, to_day, report_month_first;
};

/* Options of one run. */
struct opts {
	const char *out, *profiles, *today;
	uint64_t seed;
	int months, interval_s, broker_port, poll_ms;
	int sim_ports[N_LIVE];
};

/* A uniform number in [0, 1) from the county's stream. */
static double rnd(struct county *c)
{
	c->rng += 0x9E3779B97F4A7C15ULL;
	return (double)(sun_mix(c->rng) >> 11) / 9007199254740992.0;
}

/* A uniform integer in lo..hi. */
static int rnd_int(struct county *c, int lo, int hi)
{
	return lo + (int)(rnd(c) * (double)(hi - lo + 1));
}

/* One value of table (of n) picked with the weights (percent, summing to 100). */
static int64_t rnd_pick(struct county *c, const int64_t *table, const int *weights, int n)
{
	int r = rnd_int(c, 0, 99), i, acc = 0;

	for (i = 0; i < n; i++) {
		acc += weights[i];
		if (r < acc)
			return table[i];
	}
	return table[n - 1];
}

/* Names the villages: unique Chinese names and pinyin ids. */
static void name_villages(struct county *c)
{
	int i, j;

	for (i = 0; i < N_VILLAGES; i++) {
		struct village *v = &c->v[i];
		int unique;
		do {
			int l = rnd_int(c, 0, (int)UTIL_ARRAY_LEN(landforms) - 1);
			if (rnd(c) < 0.8) {
				int s = rnd_int(c, 0, (int)UTIL_ARRAY_LEN(surnames) - 1);
				snprintf(v->name, sizeof v->name, "%s家%s村", surnames[s].zh,
				         landforms[l].zh);
				snprintf(v->id, sizeof v->id, "%sjia%s", surnames[s].py,
				         landforms[l].py);
			} else {
				int p = rnd_int(c, 0, (int)UTIL_ARRAY_LEN(places) - 1);
				snprintf(v->name, sizeof v->name, "%s%s村", places[p].zh,
				         landforms[l].zh);
				snprintf(v->id, sizeof v->id, "%s%s", places[p].py,
				         landforms[l].py);
			}
			unique = 1;
			for (j = 0; j < i && unique; j++)
				unique = strcmp(c->v[j].name, v->name) != 0 &&
				         strcmp(c->v[j].id, v->id) != 0;
		} while (!unique);
	}
}

/* Spreads the villages over the townships (19 each on average, some larger). */
static void place_villages(struct county *c)
{
	double w[N_TOWNSHIPS], sum = 0, lat[N_TOWNSHIPS], lon[N_TOWNSHIPS];
	int count[N_TOWNSHIPS], total = 0, i, k, t;

	for (t = 0; t < N_TOWNSHIPS; t++) {
		w[t] = 0.6 + 0.8 * rnd(c);
		sum += w[t];
		/* Lin County spans about 37.6-38.3 N, 110.6-111.3 E */
		lat[t] = 37.65 + 0.6 * rnd(c);
		lon[t] = 110.65 + 0.6 * rnd(c);
	}
	for (t = 0; t < N_TOWNSHIPS; t++) {
		count[t] = (int)((double)N_VILLAGES * w[t] / sum);
		total += count[t];
	}
	for (t = 0; total < N_VILLAGES; t = (t + 1) % N_TOWNSHIPS, total++)
		count[t]++;
	for (t = 0, i = 0; t < N_TOWNSHIPS; t++) {
		for (k = 0; k < count[t]; k++, i++) {
			c->v[i].township = t;
			c->v[i].lat = lat[t] + 0.12 * (rnd(c) - 0.5);
			c->v[i].lon = lon[t] + 0.12 * (rnd(c) - 0.5);
			c->v[i].own = -1;
		}
	}
}

/* Adds a station with the defaults; returns it. */
static struct station *station_add(struct county *c, int township, int joint)
{
	struct station *s = &c->s[c->n_stations++];

	memset(s, 0, sizeof *s);
	s->township = township;
	s->joint = joint;
	s->t.soiling = 1;
	s->t.dead_inv = s->t.fault_inv = s->t.reset_inv = -1;
	/* most stations were built in 2017-2018; a few in the 2016 round */
	s->commissioned = caltime_days(2016, 6, 30) + rnd_int(c, 0, 900);
	return s;
}

/* Village stations for the first N_OWN_ONLY + N_OWN_JOINT villages of a shuffled order. */
static void village_stations(struct county *c, const int *order)
{
	static const int64_t only_kw[] = {250, 300, 400, 500},
	                     with_kw[] = {200, 250, 300, 400, 500};
	static const int only_w[] = {20, 45, 25, 10}, with_w[] = {15, 20, 40, 15, 10};
	int k;

	for (k = 0; k < N_OWN_ONLY + N_OWN_JOINT; k++) {
		struct village *v = &c->v[order[k]];
		struct station *s = station_add(c, v->township, 0);
		/* a village living on its own station alone gets at least 250 kW: ~¥240k a year */
		s->kw = k < N_OWN_ONLY ? rnd_pick(c, only_kw, only_w, 4)
		                       : rnd_pick(c, with_kw, with_w, 5);
		snprintf(s->id, sizeof s->id, "st-%s", v->id);
		snprintf(s->gw, sizeof s->gw, "gw-%s", v->id);
		snprintf(s->name, sizeof s->name, "%s光伏扶贫电站", v->name);
		s->shares[0].village = order[k];
		s->shares[0].weight = 1;
		s->n_shares = 1;
		s->lat = v->lat;
		s->lon = v->lon;
		v->own = c->n_stations - 1;
		v->kw = 0;
		if (k >= N_OWN_ONLY)
			v->kw = 10 * rnd_int(c, 6, 25); /* 60-250 kW more through a joint station */
	}
}

/* Joint stations: the villages with a joint share, grouped 2-6 per station within a township. */
static void joint_stations(struct county *c)
{
	static const int sizes[] = {2, 2, 3, 3, 3, 3, 4, 4, 5, 6};
	int group[N_VILLAGES], gsize[N_VILLAGES], n_groups = 0, n_members = 0, i, t;

	for (i = 0; i < N_VILLAGES; i++)
		if (c->v[i].own < 0)
			c->v[i].kw = 10 * rnd_int(c, 28, 68); /* 280-680 kW */
	/* group the members of each township */
	for (t = 0; t < N_TOWNSHIPS; t++) {
		int members[N_VILLAGES], n = 0, k = 0;
		for (i = 0; i < N_VILLAGES; i++)
			if (c->v[i].township == t && c->v[i].kw > 0)
				members[n++] = i;
		while (k < n) {
			int size = sizes[rnd_int(c, 0, (int)UTIL_ARRAY_LEN(sizes) - 1)];
			if (n - k - size == 1 || size > n - k)
				size = n - k <= MAX_SHARES ? n - k : size - 1;
			for (i = 0; i < size; i++)
				group[members[k + i]] = n_groups;
			gsize[n_groups++] = size;
			k += size;
			n_members += size;
		}
	}
	/* split groups of four or more until the county has its N_STATIONS */
	while (c->n_stations + n_groups < N_STATIONS) {
		int g, seen = 0;
		for (g = 0; g < n_groups && gsize[g] < 4; g++)
			;
		if (g == n_groups)
			break;
		for (i = 0; i < N_VILLAGES; i++) {
			if (c->v[i].kw > 0 && group[i] == g && seen++ >= gsize[g] / 2)
				group[i] = n_groups;
		}
		gsize[n_groups] = gsize[g] - gsize[g] / 2;
		gsize[g] /= 2;
		n_groups++;
	}
	(void)n_members;
	for (i = 0; i < n_groups; i++) {
		struct station *s = NULL;
		int v, number = 0, k;
		for (v = 0; v < N_VILLAGES; v++) {
			if (c->v[v].kw <= 0 || group[v] != i)
				continue;
			if (!s) {
				t = c->v[v].township;
				for (k = 0; k < c->n_stations; k++)
					number += c->s[k].joint && c->s[k].township == t;
				s = station_add(c, t, 1);
				snprintf(s->id, sizeof s->id, "st-%s-lc%d", townships[t].id,
				         number + 1);
				snprintf(s->gw, sizeof s->gw, "gw-%s-lc%d", townships[t].id,
				         number + 1);
				snprintf(s->name, sizeof s->name, "%s第%d联村光伏电站",
				         townships[t].name, number + 1);
				s->lat = c->v[v].lat;
				s->lon = c->v[v].lon;
			}
			s->shares[s->n_shares].village = v;
			s->shares[s->n_shares].weight = c->v[v].kw;
			s->n_shares++;
		}
	}
}

/* Scales the joint shares so the county totals TOTAL_KW; sizes every station's inverters. */
static void size_stations(struct county *c)
{
	int64_t own = 0, joint = 0;
	double f;
	int i, k;

	for (i = 0; i < c->n_stations; i++) {
		if (!c->s[i].joint)
			own += c->s[i].kw;
		else
			for (k = 0; k < c->s[i].n_shares; k++)
				joint += c->s[i].shares[k].weight;
	}
	f = (double)(TOTAL_KW - own) / (double)joint;
	for (i = 0; i < c->n_stations; i++) {
		struct station *s = &c->s[i];
		int64_t unit_kw;
		if (s->joint) {
			s->kw = 0;
			for (k = 0; k < s->n_shares; k++) {
				int64_t w =
				    (int64_t)((double)s->shares[k].weight * f / 10.0 + 0.5) * 10;
				s->shares[k].weight = w < 10 ? 10 : w;
				s->kw += s->shares[k].weight;
			}
		}
		/* string inverters of 100 kW in a village, 250 kW units in a joint station */
		unit_kw = s->joint ? 250 : 100;
		s->n_inv = (int)((s->kw + unit_kw - 1) / unit_kw);
		s->inv_w = s->kw * 1000 / s->n_inv;
		s->brand = (enum brand)rnd_pick(c, (const int64_t[]){HUAWEI, SUNGROW, SUNSPEC_INV},
		                                (const int[]){45, 35, 20}, 3);
		s->meter = (enum meter)rnd_pick(c, (const int64_t[]){CHINT, ACREL, SUNSPEC_METER},
		                                (const int[]){55, 35, 10}, 3);
	}
}

/* The first village-only station of a township that has no role yet, at least min_kw. */
static struct station *pick_station(struct county *c, int township, int joint, int64_t max_kw)
{
	int i, t;

	for (t = 0; t < N_TOWNSHIPS; t++) {
		for (i = 0; i < c->n_stations; i++) {
			struct station *s = &c->s[i];
			if (s->township != (township + t) % N_TOWNSHIPS || s->joint != joint ||
			    s->live || s->t.what || s->kw > max_kw)
				continue;
			if (!joint && c->v[s->shares[0].village].kw > 0)
				continue; /* a village with a joint share as well: not alone on it
				           */
			return s;
		}
	}
	return NULL;
}

/*
 * The troubles of the year: villages that live on one small station fall below
 * the target when an inverter dies or the panels are soiled; other stations
 * show an outage, a replaced inverter, a gateway power cut and a meter that stopped answering.
 */
static void make_trouble(struct county *c)
{
	int32_t end = c->to_day, rm = c->report_month_first;
	struct station *s;

	if ((s = pick_station(c, 3, 0, 250))) { /* 兔坂镇 */
		/* two 125 kW inverters, one of them dead for the last seven months */
		s->n_inv = 2;
		s->inv_w = s->kw * 1000 / 2;
		s->brand = SUNGROW;
		s->t.dead_inv = 1;
		s->t.dead_from = end - 212 > c->from_day ? end - 212 : c->from_day;
		s->t.what = "inverter inv02 dead (not answering) for the last seven months";
	}
	if ((s = pick_station(c, 9, 0, 250))) { /* 碛口镇 */
		s->t.soiling = 0.62;
		s->t.what = "soiled array: 62% of the clean yield all year";
	}
	if ((s = pick_station(c, 16, 1, 100000))) { /* 安业乡 */
		s->t.meter_off[0] = rm + 3;
		s->t.meter_off[1] = rm + 23;
		s->t.what = "export meter not answering for three weeks of the report month";
	}
	if ((s = pick_station(c, 6, 1, 100000))) { /* 湍水头镇 */
		s->t.fault_inv = 0;
		s->t.fault_from = end - 40 > c->from_day ? end - 40 : c->from_day;
		s->t.what = "inverter inv01 in fault for the last 40 days";
	}
	if ((s = pick_station(c, 12, 0, 500))) { /* 曲峪镇 */
		s->t.reset_inv = 0;
		s->t.reset_day = rm + 11;
		s->t.what = "inverter inv01 replaced: its counter started again from 0";
	}
	if ((s = pick_station(c, 19, 0, 500))) { /* 雷家碛乡 */
		s->t.link_off[0] = rm + 14;
		s->t.link_off[1] = rm + 18;
		s->t.what = "gateway without power for five days: no readings at all";
	}
}

/* The live stations: Huawei + CHINT, Sungrow + Acrel over TCP; SunSpec on an RTU line; a joint
 * station behind the same gateway as the RTU line. */
static void make_live(struct county *c)
{
	static const enum brand brands[N_LIVE] = {HUAWEI, SUNGROW, SUNSPEC_INV, HUAWEI};
	static const enum meter meters[N_LIVE] = {CHINT, ACREL, SUNSPEC_METER, CHINT};
	int k;

	for (k = 0; k < N_LIVE; k++) {
		struct station *s = pick_station(c, 0, k == 3, k == 3 ? 1500 : 300);
		if (!s)
			continue;
		s->live = k + 1;
		s->brand = brands[k];
		s->meter = meters[k];
		if (k == 3) {
			/* the joint station reports through the gateway of the RTU station */
			int i;
			for (i = 0; i < c->n_stations; i++)
				if (c->s[i].live == 3)
					snprintf(s->gw, sizeof s->gw, "%s", c->s[i].gw);
		}
	}
}

/*
 * Irradiance sensors where a county would put them: every station of a
 * megawatt or more has an environment monitor, and so does the soiled one
 * (its measured performance ratio is what tells soiling from a dull year)
 * and the live joint station (the simulator serves its sensor).
 */
static void give_sensors(struct county *c)
{
	int i;
	for (i = 0; i < c->n_stations; i++)
		c->s[i].sensor =
		    c->s[i].kw >= SENSOR_MIN_KW || c->s[i].t.soiling < 1 || c->s[i].live == N_LIVE;
}

/* Builds the whole county from the seed. */
static void county_build(struct county *c, uint64_t seed)
{
	int order[N_VILLAGES], i;

	c->rng = seed;
	place_villages(c);
	name_villages(c);
	for (i = 0; i < N_VILLAGES; i++)
		order[i] = i;
	for (i = N_VILLAGES - 1; i > 0; i--) {
		int j = rnd_int(c, 0, i), x = order[i];
		order[i] = order[j];
		order[j] = x;
	}
	village_stations(c, order);
	joint_stations(c);
	size_stations(c);
	make_live(c);
	make_trouble(c);
	give_sensors(c);
}

/* An output file in the folder, for writing; exits with a message when it cannot. */
static FILE *out_open(const char *dir, const char *name, char **path)
{
	FILE *f;

	*path = xasprintf("%s/%s", dir, name);
	f = fopen(*path, "w");
	if (!f) {
		fprintf(stderr, "county: %s: cannot create: %s\n", *path, strerror(errno));
		exit(1);
	}
	return f;
}

/* Closes an output file; exits with a message when the write failed. */
static void out_close(FILE *f, char *path)
{
	if (ferror(f) | fclose(f)) {
		fprintf(stderr, "county: %s: write failed\n", path);
		exit(1);
	}
	free(path);
}

/* Writes kW given in W with three decimals ("83.333"). */
static const char *kw3(int64_t w, char *buf, size_t size)
{
	snprintf(buf, size, "%lld.%03lld", (long long)(w / 1000), (long long)(w % 1000));
	return buf;
}

/* Writes a local day as "YYYY-MM-DD". */
static const char *date(int32_t day, char *buf)
{
	return caltime_format_date(day, buf, 11);
}

/* Lifetime counter of an inverter at the end of the history: ~1,150 kWh/kWp a year since it
 * was commissioned. */
static int64_t end_wh(const struct county *c, const struct station *s)
{
	return s->inv_w * 1150 * (int64_t)(c->to_day - s->commissioned) / 365;
}

/* Night consumption imported through the meter, W. */
static int64_t aux_w(const struct station *s)
{
	return 100 + s->kw / 5;
}

/* The meter's counters at the end of the history: export 98.5% of the inverters, import at
 * night. */
static void meter_end(const struct county *c, const struct station *s, int64_t *exp, int64_t *imp)
{
	int64_t days = c->to_day - s->commissioned;
	*exp = end_wh(c, s) * s->n_inv * 985 / 1000;
	*imp = aux_w(s) * 12 * days;
}

/* fleet.json: townships, villages, tariffs, stations with devices, shares and costs. */
static void write_fleet(const struct county *c, const char *dir)
{
	char *path, b1[32], b2[32];
	FILE *f = out_open(dir, "fleet.json", &path);
	int i, k;

	fprintf(f, "{\n  \"county\": \"临县\",\n  \"townships\": [\n");
	for (i = 0; i < N_TOWNSHIPS; i++)
		fprintf(f, "    { \"id\": \"%s\", \"name\": \"%s\" }%s\n", townships[i].id,
		        townships[i].name, i + 1 < N_TOWNSHIPS ? "," : "");
	fprintf(f, "  ],\n  \"villages\": [\n");
	for (i = 0; i < N_VILLAGES; i++)
		fprintf(f, "    { \"id\": \"%s\", \"name\": \"%s\", \"township\": \"%s\" }%s\n",
		        c->v[i].id, c->v[i].name, townships[c->v[i].township].id,
		        i + 1 < N_VILLAGES ? "," : "");
	/* poverty-station tariffs: Shanxi's coal benchmark plus the subsidy of the year built */
	fprintf(f, "  ],\n  \"tariffs\": [\n"
	           "    { \"id\": \"poverty-2016\", \"periods\": [\n"
	           "      { \"from\": \"2016-06-30\", \"coal_yuan_per_kwh\": \"0.3320\", "
	           "\"subsidy_yuan_per_kwh\": \"0.5480\" } ] },\n"
	           "    { \"id\": \"poverty-2018\", \"periods\": [\n"
	           "      { \"from\": \"2018-01-01\", \"coal_yuan_per_kwh\": \"0.3320\", "
	           "\"subsidy_yuan_per_kwh\": \"0.5580\" } ] }\n"
	           "  ],\n  \"stations\": [\n");
	for (i = 0; i < c->n_stations; i++) {
		const struct station *s = &c->s[i];
		fprintf(f,
		        "    {\n      \"id\": \"%s\",\n      \"name\": \"%s\",\n"
		        "      \"gateway\": \"%s\",\n      \"capacity_kw\": %lld,\n"
		        "      \"commissioned\": \"%s\",\n"
		        "      \"latitude\": %.4f,\n      \"longitude\": %.4f,\n"
		        "      \"meter\": { \"id\": \"meter\" },\n      \"inverters\": [\n",
		        s->id, s->name, s->gw, (long long)s->kw, date(s->commissioned, b1), s->lat,
		        s->lon);
		for (k = 0; k < s->n_inv; k++)
			fprintf(f, "        { \"id\": \"inv%02d\", \"capacity_kw\": %s }%s\n",
			        k + 1, kw3(s->inv_w, b1, sizeof b1), k + 1 < s->n_inv ? "," : "");
		fprintf(f, "      ],\n");
		if (s->sensor)
			fprintf(f, "      \"sensor\": { \"id\": \"irr\" },\n");
		fprintf(f, "      \"shares\": [\n");
		for (k = 0; k < s->n_shares; k++)
			fprintf(f, "        { \"village\": \"%s\", \"weight\": %lld }%s\n",
			        c->v[s->shares[k].village].id, (long long)s->shares[k].weight,
			        k + 1 < s->n_shares ? "," : "");
		/* Shanxi 2018 rules: rent ¥20/kW, insurance ¥5/kW, O&M ¥2.5/kW a month capped at
		 * ¥0.03/W a year */
		fprintf(f,
		        "      ],\n      \"tariff\": \"%s\",\n      \"costs\": {\n"
		        "        \"land_rent_yuan_per_year\": %lld,\n"
		        "        \"insurance_yuan_per_year\": %lld,\n"
		        "        \"om_yuan_per_month\": \"%s\",\n"
		        "        \"om_cap_yuan_per_kw_year\": 30,\n"
		        "        \"tax_percent\": 0\n      },\n",
		        s->commissioned < caltime_days(2018, 1, 1) ? "poverty-2016"
		                                                   : "poverty-2018",
		        (long long)(s->kw * 20), (long long)(s->kw * 5),
		        kw3(s->kw * 2500, b2, sizeof b2));
		/* The ledger's facts (docs/ledger.md): the grid's metering point, and one station
		 * in nine listed in the subsidy catalogue only five months before the window ends.
		 */
		fprintf(f, "      \"settlement\": { \"metering_point\": \"14112%05d\"", i + 1);
		if (i % 9 == 4)
			fprintf(f, ", \"catalogue\": [ { \"from\": \"%s\" } ]",
			        date(c->to_day - 152, b1));
		fprintf(f, " }\n    }%s\n", i + 1 < c->n_stations ? "," : "");
	}
	fprintf(f, "  ]\n}\n");
	out_close(f, path);
}

/* central.json: the broker, the database, and readings expected once per history interval. */
static void write_central(const struct opts *o)
{
	char *path;
	FILE *f = out_open(o->out, "central.json", &path);

	fprintf(f,
	        "{\n  \"broker\": { \"host\": \"127.0.0.1\", \"port\": %d, \"keepalive_s\": 30 },\n"
	        "  \"client_id\": \"pvmon-ingest\",\n  \"database\": \"pvmon.db\",\n"
	        "  \"fleet\": \"fleet.json\",\n  \"timezone\": \"Asia/Shanghai\",\n"
	        "  \"target_yuan_per_year\": 200000,\n  \"retention_days\": 400,\n"
	        "  \"batch\": { \"rows\": 1000, \"ms\": 200 },\n"
	        "  \"expected_interval_s\": %d,\n  \"meter_tolerance_permille\": 50,\n"
	        "  \"log\": { \"target\": \"stderr\", \"level\": \"info\" }\n}\n",
	        o->broker_port, o->interval_s);
	out_close(f, path);
}

/* Writes "[from, to]" of a day range, or nothing when empty. */
static void range_key(FILE *f, const char *key, const int32_t *r)
{
	char b1[16], b2[16];
	if (r[0] || r[1])
		fprintf(f, ", \"%s\": [\"%s\", \"%s\"]", key, date(r[0], b1), date(r[1], b2));
}

/* plan.json: what history needs beyond the fleet: the window, counters, troubles. */
static void write_plan(const struct county *c, const struct opts *o)
{
	char *path, b1[16], b2[16];
	FILE *f = out_open(o->out, "plan.json", &path);
	int i;

	fprintf(f,
	        "{\n  \"seed\": %llu,\n  \"from\": \"%s\",\n  \"to\": \"%s\",\n"
	        "  \"interval_s\": %d,\n  \"stations\": [\n",
	        (unsigned long long)o->seed, date(c->from_day, b1), date(c->to_day, b2),
	        o->interval_s);
	for (i = 0; i < c->n_stations; i++) {
		const struct station *s = &c->s[i];
		int64_t exp, imp;
		meter_end(c, s, &exp, &imp);
		fprintf(f,
		        "    { \"id\": \"%s\", \"inverter_end_wh\": %lld, \"meter_end_wh\": %lld, "
		        "\"import_end_wh\": %lld, \"aux_w\": %lld",
		        s->id, (long long)end_wh(c, s), (long long)exp, (long long)imp,
		        (long long)aux_w(s));
		if (s->t.soiling < 1)
			fprintf(f, ", \"soiling\": %.2f", s->t.soiling);
		if (s->t.dead_inv >= 0)
			fprintf(f, ", \"dead\": { \"inverter\": \"inv%02d\", \"from\": \"%s\" }",
			        s->t.dead_inv + 1, date(s->t.dead_from, b1));
		if (s->t.fault_inv >= 0)
			fprintf(f, ", \"fault\": { \"inverter\": \"inv%02d\", \"from\": \"%s\" }",
			        s->t.fault_inv + 1, date(s->t.fault_from, b1));
		if (s->t.reset_inv >= 0)
			fprintf(f, ", \"replaced\": { \"inverter\": \"inv%02d\", \"on\": \"%s\" }",
			        s->t.reset_inv + 1, date(s->t.reset_day, b1));
		range_key(f, "meter_off", s->t.meter_off);
		range_key(f, "link_off", s->t.link_off);
		fprintf(f, " }%s\n", i + 1 < c->n_stations ? "," : "");
	}
	fprintf(f, "  ]\n}\n");
	out_close(f, path);
}

/* sim.json: the live stations for pvmon-sim, their counters continuing the history's. */
static void write_sim(const struct county *c, const struct opts *o)
{
	char *path;
	FILE *f = out_open(o->out, "sim.json", &path);
	int i, k, first = 1;

	fprintf(
	    f,
	    "{\n  \"seed\": %llu,\n  \"profiles\": \"%s\",\n  \"timezone\": \"Asia/Shanghai\",\n"
	    "  \"stations\": [\n",
	    (unsigned long long)o->seed, o->profiles);
	for (i = 0; i < c->n_stations; i++) {
		const struct station *s = &c->s[i];
		int64_t exp, imp;
		if (!s->live)
			continue;
		meter_end(c, s, &exp, &imp);
		fprintf(f, "%s    {\n      \"id\": \"%s\",\n", first ? "" : ",\n", s->id);
		first = 0;
		if (s->brand == SUNSPEC_INV)
			fprintf(f,
			        "      \"transport\": \"rtu\",\n      \"pty_link\": \"pty-%s\",\n",
			        s->id);
		else
			fprintf(f, "      \"port\": %d,\n", o->sim_ports[s->live - 1]);
		fprintf(f,
		        "      \"lat\": %.4f,\n      \"lon\": %.4f,\n      \"loss\": 0.015,\n"
		        "      \"aux_w\": %lld,\n      \"inverters\": [\n",
		        s->lat, s->lon, (long long)aux_w(s));
		for (k = 0; k < s->n_inv; k++)
			fprintf(f,
			        "        { \"id\": \"inv%02d\", \"unit\": %d, \"profile\": \"%s\", "
			        "\"capacity_w\": %lld, \"energy_wh\": %lld }%s\n",
			        k + 1, k + 1, brand_profile[s->brand], (long long)s->inv_w,
			        (long long)end_wh(c, s), k + 1 < s->n_inv ? "," : "");
		fprintf(
		    f,
		    "      ],\n      \"meter\": { \"id\": \"meter\", \"unit\": %d, \"profile\": "
		    "\"%s\", \"energy_wh\": %lld, \"import_wh\": %lld }",
		    s->n_inv + 1, meter_profile[s->meter], (long long)exp, (long long)imp);
		if (s->sensor)
			fprintf(f,
			        ",\n      \"sensor\": { \"id\": \"irr\", \"unit\": %d, "
			        "\"profile\": \"%s\" }",
			        s->n_inv + 2, SENSOR_PROFILE);
		fprintf(f, "\n    }");
	}
	fprintf(f, "\n  ]\n}\n");
	out_close(f, path);
}

/* Writes the devices of one live station on a collector bus. */
static void write_bus_devices(FILE *f, const struct station *s)
{
	char b[32];
	int k;

	fprintf(f,
	        "        { \"id\": \"meter\", \"station\": \"%s\", \"unit\": %d, \"profile\": "
	        "\"%s\", \"kind\": \"meter\" }",
	        s->id, s->n_inv + 1, meter_profile[s->meter]);
	for (k = 0; k < s->n_inv; k++)
		fprintf(f,
		        ",\n        { \"id\": \"inv%02d\", \"station\": \"%s\", \"unit\": %d, "
		        "\"profile\": \"%s\", \"kind\": \"inverter\", \"capacity_kw\": %s }",
		        k + 1, s->id, k + 1, brand_profile[s->brand], kw3(s->inv_w, b, sizeof b));
	if (s->sensor)
		fprintf(f,
		        ",\n        { \"id\": \"irr\", \"station\": \"%s\", \"unit\": %d, "
		        "\"profile\": \"%s\", \"kind\": \"sensor\" }",
		        s->id, s->n_inv + 2, SENSOR_PROFILE);
	fprintf(f, "\n");
}

/* One collector file per live gateway: a TCP bus per simulated station, an RTU bus for the pty. */
static void write_collectors(const struct county *c, const struct opts *o, FILE *list)
{
	int i, j;

	for (i = 0; i < c->n_stations; i++) {
		const struct station *s = &c->s[i];
		char *path, *name;
		FILE *f;
		int first = 1, done = 0;
		if (!s->live)
			continue;
		for (j = 0; j < i; j++)
			done |= c->s[j].live && strcmp(c->s[j].gw, s->gw) == 0;
		if (done)
			continue;
		name = xasprintf("collector-%s.json", s->gw);
		f = out_open(o->out, name, &path);
		fprintf(list, "%s %s\n", s->gw, name);
		fprintf(f,
		        "{\n  \"gateway\": \"%s\",\n"
		        "  \"broker\": { \"host\": \"127.0.0.1\", \"port\": %d, \"keepalive_s\": "
		        "30 },\n"
		        "  \"spool\": { \"path\": \"spool-%s.db\" },\n"
		        "  \"poll\": { \"interval_ms\": %d, \"health_interval_s\": 5 },\n"
		        "  \"profiles_dir\": \"%s\",\n"
		        "  \"log\": { \"target\": \"stderr\", \"level\": \"info\" },\n"
		        "  \"buses\": [\n",
		        s->gw, o->broker_port, s->gw, o->poll_ms, o->profiles);
		for (j = i; j < c->n_stations; j++) {
			const struct station *t = &c->s[j];
			if (!t->live || strcmp(t->gw, s->gw) != 0)
				continue;
			if (t->brand == SUNSPEC_INV)
				fprintf(
				    f,
				    "%s    { \"id\": \"rs485-%d\", \"type\": \"rtu\", \"device\": "
				    "\"%s/pty-%s\", \"baud\": 9600, \"timeout_ms\": 500,\n"
				    "      \"devices\": [\n",
				    first ? "" : ",\n", t->live, o->out, t->id);
			else
				fprintf(f,
				        "%s    { \"id\": \"lan-%d\", \"type\": \"tcp\", \"host\": "
				        "\"127.0.0.1\", \"port\": %d, \"timeout_ms\": 1000,\n"
				        "      \"devices\": [\n",
				        first ? "" : ",\n", t->live, o->sim_ports[t->live - 1]);
			write_bus_devices(f, t);
			fprintf(f, "      ]\n    }");
			first = 0;
		}
		fprintf(f, "\n  ]\n}\n");
		out_close(f, path);
		free(name);
	}
}

/* Prints what was generated: the figures a reader checks against Lin County's. */
static void summary(const struct county *c, const struct opts *o)
{
	int n_joint = 0, n_inv[3] = {0}, n_meter[3] = {0}, i, min_sh = 99, max_sh = 0;
	int64_t kw = 0, vmin = INT64_MAX, vmax = 0;
	char b1[16], b2[16];

	for (i = 0; i < c->n_stations; i++) {
		const struct station *s = &c->s[i];
		kw += s->kw;
		n_inv[s->brand] += s->n_inv;
		n_meter[s->meter]++;
		if (s->joint) {
			n_joint++;
			min_sh = s->n_shares < min_sh ? s->n_shares : min_sh;
			max_sh = s->n_shares > max_sh ? s->n_shares : max_sh;
		}
	}
	for (i = 0; i < N_VILLAGES; i++) {
		/* kW a village owns: its station plus its joint share */
		int64_t v = (c->v[i].own >= 0 ? c->s[c->v[i].own].kw : 0) + c->v[i].kw;
		vmin = v < vmin ? v : vmin;
		vmax = v > vmax ? v : vmax;
	}
	printf(
	    "county: 临县: %d townships, %d villages, %d stations (%d village, %d joint of %d-%d "
	    "villages), %.1f MW\n",
	    N_TOWNSHIPS, N_VILLAGES, c->n_stations, c->n_stations - n_joint, n_joint, min_sh,
	    max_sh, (double)kw / 1000.0);
	printf(
	    "county: each village owns %lld-%lld kW; inverters: %d Huawei, %d Sungrow, %d SunSpec; "
	    "meters: %d CHINT DTSU666, %d Acrel ADW300, %d SunSpec\n",
	    (long long)vmin, (long long)vmax, n_inv[0], n_inv[1], n_inv[2], n_meter[0], n_meter[1],
	    n_meter[2]);
	printf("county: history %s .. %s, a reading every %d s per device\n", date(c->from_day, b1),
	       date(c->to_day, b2), o->interval_s);
	for (i = 0, n_joint = 0; i < c->n_stations; i++)
		n_joint += c->s[i].sensor;
	printf("county: %d stations with an irradiance sensor (every one of %d kW or more, the "
	       "soiled one and a live one)\n",
	       n_joint, SENSOR_MIN_KW);
	for (i = 0; i < c->n_stations; i++)
		if (c->s[i].t.what)
			printf("county: trouble at %s (%s, %lld kW): %s\n", c->s[i].id,
			       c->s[i].name, (long long)c->s[i].kw, c->s[i].t.what);
	for (i = 0; i < c->n_stations; i++)
		if (c->s[i].live)
			printf("county: live station %s (%s): %d x %s + %s meter%s, gateway %s%s\n",
			       c->s[i].id, c->s[i].name, c->s[i].n_inv,
			       brand_profile[c->s[i].brand], meter_profile[c->s[i].meter],
			       c->s[i].sensor ? " + " SENSOR_PROFILE : "", c->s[i].gw,
			       c->s[i].brand == SUNSPEC_INV ? " over RTU" : "");
}

static void usage(FILE *f)
{
	fputs("usage: county -o DIR [--seed N] [--today YYYY-MM-DD] [--months N] [--interval S]\n"
	      "              [--broker-port P] [--sim-ports P1,P2,P3,P4] [--profiles DIR] "
	      "[--poll-ms MS]\n",
	      f);
}

/* Parses an integer option strictly; exits with usage on a bad value. */
static long num(const char *opt, const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max) {
		fprintf(stderr, "county: %s: expected an integer from %ld to %ld, got \"%s\"\n",
		        opt, min, max, s);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {{"out", required_argument, NULL, 'o'},
	                                   {"seed", required_argument, NULL, 's'},
	                                   {"today", required_argument, NULL, 't'},
	                                   {"months", required_argument, NULL, 'm'},
	                                   {"interval", required_argument, NULL, 'i'},
	                                   {"broker-port", required_argument, NULL, 'b'},
	                                   {"sim-ports", required_argument, NULL, 'p'},
	                                   {"profiles", required_argument, NULL, 'P'},
	                                   {"poll-ms", required_argument, NULL, 'l'},
	                                   {"help", no_argument, NULL, 'h'},
	                                   {NULL, 0, NULL, 0}};
	struct opts o = {NULL, "config/profiles", NULL, 2018, 12, 21600, 1883, 2000, {0}};
	struct county *c = xcalloc(1, sizeof *c);
	char *list_path;
	FILE *list;
	int32_t today;
	int opt, y, m, d, i;

	while ((opt = getopt_long(argc, argv, "o:h", lo, NULL)) != -1) {
		switch (opt) {
		case 'o':
			o.out = optarg;
			break;
		case 's':
			o.seed = (uint64_t)num("--seed", optarg, 0, 2147483647);
			break;
		case 't':
			o.today = optarg;
			break;
		case 'm':
			o.months = (int)num("--months", optarg, 1, 12);
			break;
		case 'i':
			o.interval_s = (int)num("--interval", optarg, 900, 86400);
			break;
		case 'b':
			o.broker_port = (int)num("--broker-port", optarg, 1, 65535);
			break;
		case 'p': {
			char *dup = xstrdup(optarg), *tok, *save = NULL;
			for (i = 0, tok = strtok_r(dup, ",", &save); tok && i < N_LIVE;
			     tok = strtok_r(NULL, ",", &save))
				o.sim_ports[i++] = (int)num("--sim-ports", tok, 1, 65535);
			free(dup);
			break;
		}
		case 'P':
			o.profiles = optarg;
			break;
		case 'l':
			o.poll_ms = (int)num("--poll-ms", optarg, 100, 60000);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!o.out || optind != argc) {
		usage(stderr);
		return 2;
	}
	if (caltime_set_zone("Asia/Shanghai") < 0) {
		fprintf(stderr, "county: the tz database has no Asia/Shanghai (install tzdata)\n");
		return 1;
	}
	if (o.today && caltime_parse_date(o.today, &today) < 0) {
		fprintf(stderr, "county: --today: expected YYYY-MM-DD, got \"%s\"\n", o.today);
		return 2;
	}
	if (!o.today)
		today = caltime_local_day(util_now_ms(), NULL);
	if (mkdir(o.out, 0777) < 0 && errno != EEXIST) {
		fprintf(stderr, "county: %s: cannot create: %s\n", o.out, strerror(errno));
		return 1;
	}
	/* the window: the last o.months complete months before today, in the county's zone */
	caltime_civil(today, &y, &m, &d);
	c->to_day = caltime_days(y, m, 1) - 1;
	caltime_civil(c->to_day, &y, &m, &d);
	c->report_month_first = caltime_days(y, m, 1);
	m -= o.months - 1;
	while (m < 1) {
		m += 12;
		y--;
	}
	c->from_day = caltime_days(y, m, 1);

	county_build(c, o.seed);
	write_fleet(c, o.out);
	write_central(&o);
	write_plan(c, &o);
	write_sim(c, &o);
	list = out_open(o.out, "collectors.txt", &list_path);
	write_collectors(c, &o, list);
	out_close(list, list_path);
	summary(c, &o);
	free(c);
	return 0;
}
