/*
 * msg_report: the report area's part of the message catalogue (msg.h):
 * labels, statuses, flags, units and the plain-language reasons of
 * `pvmon-allocator report` in every format. Placeholders {1}..{9} are filled
 * by report_msgf (allocator/report_lang.c), never by printf.
 */
#include "msg.h"

#include <stddef.h>

/* Keys are "report." followed by a dotted name; both languages always given. */
/* clang-format off */
const struct msg_entry msg_table_report[] = {
	{"lang.name", "中文", "English"},

	/* Headings and the lines under them. */
	{"report.title", "{2}光伏扶贫电站收益月报 {1}", "pvmon monthly report {1}, {2}"},
	{"report.html.title", "{2}光伏电站收益月报 {1}", "Monthly report {1} {2}"},
	{"report.doc_title", "光伏收益月报 {1} {2}", "pvmon report {1} {2}"},
	{"report.period", "统计期 {1} 至 {2}（{3}）。近十二个月自 {4} 起。金额单位：元。",
	 "Days {1} to {2} ({3}). Trailing twelve months from {4}. Money in yuan."},
	{"report.generated", "生成时间 {1}", "Generated at {1}"},
	{"report.sec.summary", "汇总", "Summary"},
	{"report.sec.villages", "各村（未达标在前）", "Villages (not OK first)"},
	{"report.sec.reasons", "原因", "Reasons"},
	{"report.sec.townships", "乡镇", "Townships"},
	{"report.sec.stations", "电站", "Stations"},
	{"report.sec.shares", "本月份额", "Shares this month"},
	{"report.sec.tariffs", "电价", "Tariff periods"},
	{"report.sec.all_villages", "全部村", "All villages"},
	{"report.sec.not_on_course", "未达标和有风险的村（{1}）", "Villages not on course ({1})"},
	{"report.all_on_course", "各村均在达标进度上。", "Every village is on course."},

	/* Summary lines. */
	{"report.sum.value", "数值", "value"},
	{"report.sum.energy", "上网电量（kWh）", "Energy exported (kWh)"},
	{"report.sum.coal", "收入：燃煤基准价部分（元）", "Revenue, coal-benchmark part (yuan)"},
	{"report.sum.subsidy", "收入：补贴部分（元）", "Revenue, subsidy part (yuan)"},
	{"report.sum.revenue", "收入（元）", "Revenue (yuan)"},
	{"report.sum.land", "土地租金（元）", "Land rent (yuan)"},
	{"report.sum.insurance", "保险费（元）", "Insurance (yuan)"},
	{"report.sum.om", "运维费（元）", "Operation and maintenance (yuan)"},
	{"report.sum.tax", "税费（元）", "Taxes (yuan)"},
	{"report.sum.costs", "成本合计（元）", "Costs (yuan)"},
	{"report.sum.distributable", "可分配收益（元）", "Distributable (yuan)"},
	{"report.sum.deficit", "亏损电站的亏损额（元）", "Deficit of stations in deficit (yuan)"},
	{"report.sum.allocated", "分配到村（元）", "Allocated to villages (yuan)"},
	{"report.sum.target", "每村年度目标（默认，元）", "Default target per village and year (yuan)"},
	{"report.sum.target_basis", "目标判断依据", "Target judged on"},
	{"report.basis.accrued", "应计收益", "accrued"},
	{"report.basis.received", "实际到账", "received"},
	{"report.sum.stations", "电站数", "Stations"},
	{"report.sum.flagged", "有异常的电站数", "Stations flagged"},
	{"report.sum.villages", "村数", "Villages"},
	{"report.sum.status_counts", "村：达标 / 有风险 / 未达标", "Villages OK / AT RISK / BELOW"},
	{"report.sum.median", "全县单位装机发电量中位数（kWh/kWp）",
	 "Fleet median specific yield (kWh/kWp)"},
	{"report.sum.stations_flagged", "电站数 / 有异常", "Stations / flagged"},
	{"report.sum.completeness", "数据完整率（%）", "Data completeness (%)"},
	{"report.sum.availability", "逆变器可用率（%）", "Inverter availability (%)"},
	{"report.html.kpi.availability", "逆变器可用率", "Inverter availability"},
	{"report.sum.eq_hours", "等效利用小时数（全县）", "Equivalent hours (county)"},

	/* Column heads. */
	{"report.col.village", "村编号", "Village"},
	{"report.col.name", "名称", "Name"},
	{"report.col.village_name", "村名", "Village name"},
	{"report.col.station_name", "电站名称", "Station name"},
	{"report.col.township", "乡镇", "Township"},
	{"report.col.township_id", "乡镇编号", "Township id"},
	{"report.col.status", "状态", "Status"},
	{"report.col.month", "本月", "Month"},
	{"report.col.ytd", "本年累计", "YTD"},
	{"report.col.t12", "近12个月", "T12"},
	{"report.col.projection", "全年预测", "Projection"},
	{"report.col.target", "年度目标", "Target"},
	{"report.col.station", "电站编号", "Station"},
	{"report.col.source", "计量来源", "Source"},
	{"report.col.kwh", "电量 kWh", "kWh"},
	{"report.col.yield", "kWh/kWp", "kWh/kWp"},
	{"report.col.data_pct", "数据完整率 %", "Data %"},
	{"report.col.offline_h", "离线小时", "Offline h"},
	{"report.col.fault_h", "故障小时", "Fault h"},
	{"report.col.revenue", "收入", "Revenue"},
	{"report.col.costs", "成本", "Costs"},
	{"report.col.distributable", "可分配", "Distributable"},
	{"report.col.flags", "异常", "Flags"},
	{"report.col.share", "份额", "Share"},
	{"report.col.station_dist", "电站可分配", "Station distributable"},
	{"report.col.village_part", "村分得", "Village part"},
	{"report.col.villages", "村数", "Villages"},
	{"report.col.ok", "达标", "OK"},
	{"report.col.at_risk", "有风险", "AT RISK"},
	{"report.col.below", "未达标", "BELOW"},
	{"report.col.why", "原因", "Why"},
	{"report.col.kind", "类别", "Kind"},
	{"report.col.text", "说明", "Text"},
	{"report.col.from", "起", "From"},
	{"report.col.to", "止", "To"},
	{"report.col.coal_price", "燃煤基准价（元/kWh）", "Coal benchmark (yuan/kWh)"},
	{"report.col.subsidy_price", "补贴（元/kWh）", "Subsidy (yuan/kWh)"},
	{"report.col.coal_yuan", "燃煤基准价收入（元）", "Coal-benchmark revenue (yuan)"},
	{"report.col.subsidy_yuan", "补贴收入（元）", "Subsidy revenue (yuan)"},
	{"report.col.weight", "份额", "Weight"},
	{"report.col.total_weight", "总份额", "Total weight"},
	{"report.col.capacity_kw", "装机 kW", "Capacity kW"},
	{"report.col.eq_hours", "等效利用小时数", "Equivalent hours"},
	{"report.col.availability", "可用率 %", "Availability %"},
	{"report.col.pr", "性能比估计 %", "PR estimate %"},
	{"report.col.months_with_data", "有数据月数", "Months with data"},
	{"report.col.item", "项目", "Item"},
	{"report.col.key", "键", "Key"},

	/* Units and money. */
	{"report.unit.yuan", "元", "yuan"},
	{"report.unit.yuan_sign", "¥", "¥"},
	{"report.target_line", "目标 ¥{1}", "target ¥{1}"},

	/* Statuses. */
	{"report.status.ok", "达标", "OK"},
	{"report.status.at_risk", "有风险", "AT RISK"},
	{"report.status.below", "未达标", "BELOW"},

	/* Energy sources. */
	{"report.source.meter", "电表", "meter"},
	{"report.source.inverters", "逆变器", "inverters"},
	{"report.source.none", "无数据", "none"},

	/* Station flags. */
	{"report.flag.no_data", "无数据", "no_data"},
	{"report.flag.inverter_fallback", "按逆变器计量", "inverter_fallback"},
	{"report.flag.meter_mismatch", "电表与逆变器不符", "meter_mismatch"},
	{"report.flag.deficit", "亏损", "deficit"},
	{"report.flag.counter_reset", "计数器复位", "counter_reset"},
	{"report.flag.excluded_readings", "有剔除读数", "excluded_readings"},
	{"report.flag.incomplete", "数据不全", "incomplete"},
	{"report.flag.low_yield", "发电偏低", "low_yield"},
	{"report.flag.offline", "离线", "offline"},
	{"report.flag.fault", "故障", "fault"},
	{"report.flag.untariffed", "无电价", "untariffed"},
	{"report.flag.not_in_service", "未投运", "not_in_service"},
	{"report.flag.sep", "、", ","},

	/* Reasons: {1} is the station's name; see report_reason_describe. */
	{"report.reason.no_data",
	 "{1}：本月没有收到任何电表或逆变器数据，请检查现场网关是否通电、网络是否在线",
	 "{1}: no data this month (no good meter or inverter counter); check that the "
	 "gateway is powered and online"},
	{"report.reason.missing_data",
	 "{1}：本月数据只收到 {2}%，最长中断 {3} 小时，请检查网关的通信线路",
	 "{1}: data {2}% complete, longest gap {3} h; check the gateway's link"},
	{"report.reason.offline",
	 "{1}：设备累计离线 {2} 设备小时（约 {3} 天），请检查设备供电和 RS-485 通信线",
	 "{1}: devices offline {2} device-hours (about {3} days); check their power and "
	 "the RS-485 line"},
	{"report.reason.fault",
	 "{1}：设备累计故障 {2} 设备小时（约 {3} 天），请运维人员查看逆变器告警并维修",
	 "{1}: devices in fault {2} device-hours (about {3} days); have the O&M team read "
	 "the inverter alarms"},
	{"report.reason.offline_inverters",
	 "{1}：{2} 台逆变器中有 {3} 台本月长时间不响应（{4} 离线 {5} 小时，约 {6} 天），请检查逆变器供电和 RS-485 通信线",
	 "{1}: {3} of its {2} inverters did not answer for long this month ({4} offline {5} h, "
	 "about {6} days); check the inverters' power and the RS-485 line"},
	{"report.reason.fault_inverters",
	 "{1}：{2} 台逆变器中有 {3} 台本月处于故障（{4} 故障 {5} 小时，约 {6} 天），请运维人员查看逆变器告警并维修",
	 "{1}: {3} of its {2} inverters were in fault this month ({4} {5} h, about {6} days); "
	 "have the O&M team read the inverter alarms"},
	{"report.reason.offline_inverters_since",
	 "{1}：{2} 台逆变器中有 {3} 台本月长时间不响应（{4} 自 {7} 起未发电，本月离线 {5} 小时，约 {6} 天），请检查逆变器供电和 RS-485 通信线",
	 "{1}: {3} of its {2} inverters did not answer for long this month ({4} has produced "
	 "nothing since {7}; offline {5} h this month, about {6} days); check the inverters' "
	 "power and the RS-485 line"},
	{"report.reason.fault_inverters_since",
	 "{1}：{2} 台逆变器中有 {3} 台本月处于故障（{4} 自 {7} 起未发电，本月故障 {5} 小时，约 {6} 天），请运维人员查看逆变器告警并维修",
	 "{1}: {3} of its {2} inverters were in fault this month ({4} has produced nothing "
	 "since {7}; {5} h in fault this month, about {6} days); have the O&M team read the "
	 "inverter alarms"},
	{"report.reason.low_yield",
	 "{1}：本月发电量比同类电站低 {2}%（{3} 对中位数 {4} kWh/kWp），请检查组件积灰或遮挡",
	 "{1}: yield {2}% below comparable stations this month ({3} against a median of "
	 "{4} kWh/kWp); check for soiling or shading"},
	{"report.reason.meter_mismatch",
	 "{1}：电表 {2} kWh 与逆变器合计 {3} kWh 相差 {4}%，请核对电表接线和倍率",
	 "{1}: meter {2} kWh vs inverters {3} kWh ({4}%); check the meter's wiring and ratio"},
	{"report.reason.deficit",
	 "{1}：本月成本比收入高 ¥{2}，本月没有可分配的收益",
	 "{1}: costs above revenue by ¥{2}, nothing to distribute this month"},
	{"report.reason.months_without_data",
	 "{1}：近 {3} 个月中有 {2} 个月没有任何数据，这些月份没有收益",
	 "{1}: no data in {2} of the last {3} months, which earned nothing"},
	{"report.reason.low_yield_t12",
	 "{1}：近十二个月发电量比同类电站低 {2}%，请检查组件积灰、遮挡或组串故障",
	 "{1}: over the last twelve months it yielded {2}% less than comparable stations; "
	 "check for soiling, shading or failed strings"},
	{"report.reason.shortfall",
	 "各电站未发现问题：本村份额（{1} kW 装机）收益不足（¥{2}，目标 ¥{3}），需增加份额或调整目标",
	 "no station problem found: its shares ({1} kW of capacity) earn too little (¥{2} "
	 "against a target of ¥{3}); more shares or another target are needed"},

	{"report.reason.cash",
	 "按实际到账判断：{1} ¥{2}，目标 ¥{3}；台账中尚有 ¥{4} 应收未到账，请向付款方催收",
	 "judged on money received: {1} ¥{2} against a target of ¥{3}; ¥{4} accrued is still "
	 "owed in the ledger, ask the payers for it"},
	{"report.cash.t12", "近十二个月到账", "received over the last twelve months"},
	{"report.cash.projection", "预计全年到账", "projected to be received this year"},
	{"report.reason.alarm", "{1}：逆变器 {2} 报告 {3} 告警 {4} 天，请运维人员按告警处理",
	 "{1}: inverter {2} reported {3} on {4} days; have the O&M team act on the alarm"},
	/* Alarms the devices raised (names come from the profiles). */
	{"report.alarm.bit", "告警位 {1}", "alarm bit {1}"},
	{"report.alarm.title", "设备告警", "Device alarms"},
	{"report.alarm.station", "电站", "Station"},
	{"report.alarm.device", "设备", "Device"},
	{"report.alarm.name", "告警", "Alarm"},
	{"report.alarm.days", "天数", "Days"},
	{"report.alarm.item", "{1} {2} {3} 天", "{1} {2} {3} days"},
	{"report.alarm.sep", "；", "; "},
	{"report.col.alarms", "设备告警", "Device alarms"},

	/* The HTML briefing: cover page, charts, sign-off. */
	{"report.html.kpi.energy", "上网电量", "Energy exported"},
	{"report.html.kpi.revenue", "电费收入", "Revenue"},
	{"report.html.kpi.distributable", "可分配收益", "Distributable"},
	{"report.html.kpi.allocated", "分配到村", "Allocated to villages"},
	{"report.html.kpi.villages", "村：达标 / 有风险 / 未达标", "Villages OK / at risk / below"},
	{"report.html.kpi.completeness", "数据完整率", "Data completeness"},
	{"report.html.village_line", "{1}（{2}，{3}）：近12个月 ¥{4}，年度目标 ¥{5}，全年预测 ¥{6}。",
	 "{1} ({2}, {3}): ¥{4} over the last twelve months against a target of ¥{5}, "
	 "projected ¥{6} for the year."},
	{"report.html.more_villages", "另有 {1} 个村未达标或有风险，见后面的村表。",
	 "{1} more villages are not on course: see the village table."},
	{"report.html.signoff.made", "编制", "Prepared by"},
	{"report.html.signoff.checked", "审核", "Checked by"},
	{"report.html.signoff.date", "日期", "Date"},
	{"report.html.page", "第 {1} 页，共 {2} 页", "page {1} of {2}"},
	{"report.html.chart.county", "各村全年预测收益（从低到高）与年度目标",
	 "Projected yearly revenue per village (lowest first) against the target"},
	{"report.html.chart.county_note", "红色：未达标；橙色：有风险；绿色：达标。虚线为年度目标。",
	 "Red: below; orange: at risk; green: OK. The dashed line is the target."},
	{"report.html.chart.village", "{1}：近十二个月每月收益与达标所需月进度",
	 "{1}: revenue of the last twelve months against the monthly pace to the target"},
	{"report.html.chart.pace", "达标月进度", "monthly pace to target"},
	{"report.html.chart.station_days", "{1}：本月每日发电量（kWh）", "{1}: energy per day this month (kWh)"},
	{"report.html.chart.station_months", "{1}：近十二个月每月单位装机发电量（kWh/kWp），阴影为同类电站范围",
	 "{1}: monthly yield of the last twelve months (kWh/kWp), the band is comparable stations"},
	{"report.html.sec.village_detail", "未达标村的月度收益", "Monthly revenue of villages not on course"},
	{"report.html.sec.station_detail", "电站发电曲线", "Station energy"},
	{"report.html.name_more", "等 {1} 个村", "and {1} more"},
	{"report.html.print_note", "打印版只列出需要关注的行；完整的表见屏幕版或 Excel 工作簿（--format xlsx）。",
	 "The printed briefing lists only the rows that need attention; the full tables are on screen and "
	 "in the workbook (--format xlsx)."},

	/* Workbook sheets and CSV files, one per section. */
	{"report.sheet.summary", "汇总", "Summary"},
	{"report.sheet.villages", "村", "Villages"},
	{"report.sheet.stations", "电站", "Stations"},
	{"report.sheet.shares", "份额", "Shares"},
	{"report.sheet.tariffs", "电价", "Tariffs"},
	{"report.sheet.reasons", "原因", "Reasons"},
	{"report.sheet.townships", "乡镇", "Townships"},
	{"report.sheet.ledger", "应计与到账", "Ledger"},
	{"report.xlsx.footer", "&L{1}&C第 &P 页，共 &N 页&R{2}", "&L{1}&Cpage &P of &N&R{2}"},

	/* The ledger's side of the month (docs/report.md §4a). */
	{"report.sec.ledger", "应计与实际到账（台账）", "Accrued vs received (the ledger)"},
	{"report.ledger.none",
	 "台账无数据：截至 {1} 数据库中没有台账记录，本报告不列应计与到账金额（见 pvmon-allocator ledger）",
	 "No ledger data: the store has no ledger entries up to {1}, so money accrued and received "
	 "is not shown (see pvmon-allocator ledger)"},
	{"report.ledger.note",
	 "台账自 {1} 起。应计为电站总收入（未扣成本），按所属月份；到账按到账日期；未到账为截至 {2} "
	 "应收未到的燃煤与补贴部分；待入目录补贴暂不应付。",
	 "Ledger kept since {1}. Accrued is gross revenue (before station costs) by the month it is "
	 "for; received is by the day it arrived; outstanding is coal and subsidy accrued and not "
	 "received by {2}; subsidy pending the catalogue is not yet payable."},
	{"report.col.accrued_month", "本月应计", "Accrued, month"},
	{"report.col.received_month", "本月到账", "Received, month"},
	{"report.col.accrued_ytd", "本年应计", "Accrued, YTD"},
	{"report.col.received_ytd", "本年到账", "Received, YTD"},
	{"report.col.outstanding", "累计未到账", "Outstanding"},
	{"report.col.pending", "待入目录补贴", "Pending catalogue"},
	{"report.col.note", "说明", "Note"},
	{"report.total", "合计", "Total"},
	{"report.tcol.accrued_month", "本月应计（元）", "Accrued, month (yuan)"},
	{"report.tcol.received_month", "本月到账（元）", "Received, month (yuan)"},
	{"report.tcol.accrued_ytd", "本年应计（元）", "Accrued, YTD (yuan)"},
	{"report.tcol.received_ytd", "本年到账（元）", "Received, YTD (yuan)"},
	{"report.tcol.outstanding", "累计未到账（元）", "Outstanding (yuan)"},
	{"report.tcol.pending", "待入目录补贴（元）", "Pending catalogue (yuan)"},

	/* Column heads of the workbook and the per-section CSV, with their units. */
	{"report.tcol.month", "本月收益（元）", "Month (yuan)"},
	{"report.tcol.ytd", "本年累计（元）", "YTD (yuan)"},
	{"report.tcol.t12", "近12个月（元）", "T12 (yuan)"},
	{"report.tcol.projection", "全年预测（元）", "Projection (yuan)"},
	{"report.tcol.target", "年度目标（元）", "Target (yuan)"},
	{"report.tcol.revenue", "收入（元）", "Revenue (yuan)"},
	{"report.tcol.costs", "成本（元）", "Costs (yuan)"},
	{"report.tcol.distributable", "可分配（元）", "Distributable (yuan)"},
	{"report.tcol.station_dist", "电站可分配（元）", "Station distributable (yuan)"},
	{"report.tcol.village_part", "村分得（元）", "Village part (yuan)"},
	{"report.tcol.eq_hours", "等效利用小时数（h）", "Equivalent hours (h)"},
	{NULL, NULL, NULL},
};
/* clang-format on */
