#!/usr/bin/python3
# Reads a report workbook with openpyxl (an independent reader) and compares it cell by cell
# with the JSON report of the same month and language. Prints "ok - ..." / "not ok - ..." lines.
# usage: xlsx_check.py REPORT.xlsx REPORT.json zh|en
import json
import sys

import openpyxl

xlsx, js, lang = sys.argv[1], sys.argv[2], sys.argv[3]
wb = openpyxl.load_workbook(xlsx)
r = json.load(open(js, encoding="utf-8"))
fails = 0


def check(desc, cond):
    global fails
    print(("ok - " if cond else "not ok - ") + desc)
    if not cond:
        fails += 1


names = {"zh": ["汇总", "村", "电站", "份额", "电价", "原因", "乡镇", "应计与到账", "辐照"],
         "en": ["Summary", "Villages", "Stations", "Shares", "Tariffs", "Reasons", "Townships",
                "Ledger", "Irradiance"]}[lang]
check("the sheets are %s" % " ".join(names), wb.sheetnames == names)
S = dict(zip(["summary", "villages", "stations", "shares", "tariffs", "reasons", "townships",
              "ledger", "sensors"], [wb[n] for n in wb.sheetnames]))


def fen(v):
    return round(v * 100)


def rows(ws):
    return [list(row) for row in ws.iter_rows(min_row=2, values_only=True)]


for key, ws in S.items():
    check("%s: the header row is frozen" % key, ws.freeze_panes == "A2")
    check("%s: A4 paper" % key, str(ws.page_setup.paperSize) == "9")
    check("%s: the header row repeats on every printed page" % key,
          ws.print_title_rows in ("1:1", "$1:$1"))
    check("%s: page numbers in the footer" % key, "&P" in (ws.oddFooter.center.text or ""))
    if key != "summary":
        check("%s: an AutoFilter over the table" % key,
              ws.auto_filter.ref is not None and ws.auto_filter.ref.startswith("A1:"))
check("the wide stations sheet prints landscape", S["stations"].page_setup.orientation == "landscape")

# Villages: every village once, money to the fen, numbers stored as numbers.
jv = {v["id"]: v for v in r["villages"]}
vr = rows(S["villages"])
check("villages: one row per village (%d)" % len(vr), sorted(x[0] for x in vr) == sorted(jv))
ok = True
for x in vr:
    v = jv.get(x[0])
    if v is None:
        ok = False
        continue
    nums = x[4:9]
    if not all(isinstance(n, (int, float)) for n in nums):
        ok = False
    if [fen(n) for n in nums] != [v["month_fen"], v["ytd_fen"], v["t12_fen"],
                                  v["projection_fen"], v["target_fen"]]:
        print("  village %s: %r vs json" % (x[0], nums))
        ok = False
    if x[1] != v["name"] or x[3] != v["status_text"] or x[9] != v["months_with_data"]:
        ok = False
    why = "\n".join(rs["text"] for rs in v["reasons"])
    if (x[10] or "") != why:
        ok = False
check("villages: names, statuses, money and reasons equal the JSON report", ok)
money_fmt = S["villages"].cell(row=2, column=5).number_format
check("villages: money has a yuan format with two decimals (%s)" % money_fmt, money_fmt == "#,##0.00")

js_ = {s["id"]: s for s in r["stations"]}
sr = rows(S["stations"])
ok = len(sr) == len(js_)
for x in sr:
    s = js_.get(x[0])
    if s is None or x[1] != s["name"] or round(x[2] * 1000) != s["capacity_w"] or \
            x[3] != s["source_text"] or round(x[4] * 1000) != s["energy_wh"] or \
            (x[7] is None and s["availability_permille"] != -1) or \
            (x[7] is not None and round(x[7] * 10) != s["availability_permille"]) or \
            fen(x[11]) != s["revenue_fen"] or fen(x[12]) != s["costs_fen"] or \
            fen(x[13]) != s["distributable_fen"] or (x[14] or "") != "、,"[lang == "en"].join(s["flags_text"]):
        print("  station row %r" % (x,))
        ok = False
check("stations: energy, capacity, availability, money and flags equal the JSON report", ok)

parts = [(v["id"], p["station"], p["weight"], p["total_weight"], p["fen"])
         for v in r["villages"] for p in v["parts"]]
shr = [(x[0], x[2], x[4], x[5], fen(x[7])) for x in rows(S["shares"])]
check("shares: every village's part of every station equals the JSON report", shr == parts)

per = [(s["id"], p["from"], p["to"], p["energy_wh"], p["coal_fen_per_mwh"], p["subsidy_fen_per_mwh"],
        p["coal_fen"], p["subsidy_fen"]) for s in r["stations"] for p in s["tariff_periods"]]
tr = [(x[0], x[2], x[3], round(x[4] * 1000), round(x[5] * 100000), round(x[6] * 100000), fen(x[7]),
       fen(x[8])) for x in rows(S["tariffs"])]
check("tariffs: periods, prices and revenue equal the JSON report", tr == per)

reasons = sorted((v["id"], rs["kind"], rs["station"] or "", rs["text"])
                 for v in r["villages"] for rs in v["reasons"])
rr = sorted((x[0], x[3], x[4] or "", x[5]) for x in rows(S["reasons"]))
check("reasons: one row per reason with the JSON report's text", rr == reasons)

jt = [(t["id"], t["name"], t["villages"], t["ok"], t["at_risk"], t["below"], t["month_fen"],
       t["ytd_fen"], t["t12_fen"], t["projection_fen"], t["target_fen"]) for t in r["townships"]]
tw = [(x[0], x[1], x[2], x[3], x[4], x[5]) + tuple(fen(n) for n in x[6:11]) for x in rows(S["townships"])]
check("townships: counts and money equal the JSON report", tw == jt)

t = r["totals"]
sm = rows(S["summary"])
vals = [x[1] for x in sm]
want = [round(t["energy_wh"]), t["coal_fen"], t["subsidy_fen"], t["revenue_fen"], t["land_rent_fen"],
        t["insurance_fen"], t["om_fen"], t["tax_fen"], t["costs_fen"], t["distributable_fen"],
        t["deficit_fen"], t["allocated_fen"], r["target_fen_per_year"]]
got = [round(vals[1] * 1000)] + [fen(v) for v in vals[2:14]]
check("summary: the month is %s" % r["month"], vals[0] == r["month"])
check("summary: energy and every total equal the JSON report", got == want)
check("summary: counts equal the JSON report",
      vals[14:20] == [t["stations"], t["stations_flagged"], t["villages"], t["villages_ok"],
                      t["villages_at_risk"], t["villages_below"]])
check("summary: the last row says the target basis",
      sm[-1][1] == r["target_basis_text"])
lr = rows(S["ledger"])
if r["totals"]["ledger"] is None:
    check("ledger: without ledger data the sheet says so in one cell, not zeros",
          lr == [[r["ledger_note"]]])
else:
    jl = {v["id"]: v["ledger"] for v in r["villages"]}
    keys = ["accrued_month_fen", "received_month_fen", "accrued_ytd_fen", "received_ytd_fen",
            "outstanding_fen", "pending_fen"]
    check("ledger: every village's figures equal the JSON report",
          all([fen(n) for n in x[3:9]] == [jl[x[0]][k] for k in keys] for x in lr[:-1]))
    check("ledger: the total row equals the JSON totals",
          [fen(n) for n in lr[-1][3:9]] == [r["totals"]["ledger"][k] for k in keys])
sr = rows(S["sensors"])
js = [(x["id"], x["sensor"]) for x in r["stations"] if "sensor" in x]
if not js:
    check("sensors: without a sensor the sheet says so in one cell",
          len(sr) == 1 and len(sr[0]) == 1 and sr[0][0])
else:
    want = [(x["id"], s["device"], s["days"], s["insolation_whm2"], s["energy_wh"],
             s["pr_permille"] if s["pr_permille"] >= 0 else None) for x, s in js]
    got = [(x[0], x[2], x[3], round(x[5] * 1000), round(x[6] * 1000),
            round(x[7] * 10) if x[7] is not None else None) for x in sr]
    check("sensors: days, insolation, energy and measured PR equal the JSON report",
          got == want)
print("%d failed" % fails)
sys.exit(1 if fails else 0)
