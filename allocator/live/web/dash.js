/* The dashboard: fetches the JSON API (docs/serve.md) and renders the page; all text from T. */
"use strict";
(function () {
  const app = document.getElementById("app");
  const t = (k) => T["live." + k] || k;
  const esc = (s) => String(s == null ? "" : s).replace(/[&<>"']/g, (c) => "&#" + c.charCodeAt(0) + ";");
  const grp = (s) => s.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const kwh = (wh) => grp((wh / 1000).toFixed(1)) + " " + t("unit.kwh");
  const kw = (w) => grp((w / 1000).toFixed(1)) + " " + t("unit.kw");
  const yuan = (fen) => (fen < 0 ? "-" : "") + grp((Math.abs(fen) / 100).toFixed(2)) + " " + t("unit.yuan");
  const pct = (pm) => (pm / 10).toFixed(1) + "%";
  const q = P.lang === "en" ? "?lang=en" : "";
  const link = (kind, id, name) => '<a href="/' + kind + "/" + encodeURIComponent(id) + q + '">' + esc(name || id) + "</a>";
  const badge = (prefix, k) => '<span class="b ' + esc(k) + '">' + esc(t(prefix + "." + k)) + "</span>";
  const val = (id, v, text) => '<span id="' + id + '" data-v="' + esc(v) + '">' + text + "</span>";
  const time = (ms) => {
    if (!ms) return "-";
    const d = new Date(ms);
    return d.toLocaleString(P.lang === "en" ? "en-GB" : "zh-CN", { timeZone: P.tz, hour12: false });
  };
  const card = (k, html) => '<div class="card"><div class="k">' + esc(t(k)) + '</div><div class="v">' + html + "</div></div>";
  const table = (head, rows) => '<div class="tw"><table><thead><tr>' + head.map((h) =>
    "<th" + (h[1] ? ' class="' + h[1] + '"' : "") + ">" + esc(t(h[0])) + "</th>").join("") +
    "</tr></thead><tbody>" + rows.join("") + "</tbody></table></div>";
  const tr = (cells) => "<tr>" + cells.map((c) => "<td" + (c[1] ? ' class="' + c[1] + '"' : "") + ">" + c[0] + "</td>").join("") + "</tr>";
  const order = { offline: 0, fault: 1, no_data: 2, asleep: 3, producing: 4 };
  function bars(values, labels, cls) {
    const W = 600, H = 160, n = values.length, max = Math.max(1, ...values), bw = W / n;
    let s = '<svg viewBox="0 0 ' + W + " " + (H + 16) + '" role="img">';
    values.forEach((v, i) => {
      const h = Math.round((v / max) * (H - 14));
      s += '<rect class="' + (cls || "bar") + '" x="' + (i * bw + 1).toFixed(1) + '" y="' + (H - h) + '" width="' + Math.max(1, bw - 2).toFixed(1) + '" height="' + h + '"><title>' + esc(labels[i]) + ": " + esc(kwh(v)) + "</title></rect>";
      if (n <= 24 || i % 5 === 0) s += '<text x="' + (i * bw + bw / 2).toFixed(1) + '" y="' + (H + 12) + '" text-anchor="middle">' + esc(labels[i]) + "</text>";
    });
    s += '<text x="4" y="11">' + esc(kwh(max)) + "</text></svg>";
    return s;
  }
  function stationRows(list) {
    return list.slice().sort((a, b) => order[a.status] - order[b.status] || a.id.localeCompare(b.id)).map((s) => tr([
      [link("station", s.id, s.name)], [badge("st", s.status)], [val("p-" + s.id, s.power_w, kw(s.power_w)), "n"],
      [val("t-" + s.id, s.today_wh, kwh(s.today_wh)), "n"], [s.month_wh != null ? kwh(s.month_wh) : "", "n wide"],
      [s.open_alerts ? String(s.open_alerts) : "", "n wide"]]));
  }
  const stationHead = [["name"], ["status"], ["power", "n"], ["today_energy", "n"], ["month_energy", "n wide"], ["alerts_open", "n wide"]];
  function villageRows(list) {
    return list.map((v) => {
      const g = v.target || v;
      return tr([[link("village", v.id, v.name)], [badge("tg", g.status)], [yuan(g.month_fen), "n"],
        [yuan(g.projection_fen), "n wide"], [yuan(g.target_fen), "n wide"]]);
    });
  }
  const villageHead = [["name"], ["status"], ["month_fen", "n"], ["projection", "n wide"], ["target", "n wide"]];
  function alertRows(list) {
    return list.map((a) => tr([[badge("sev", a.severity)], [esc(t("alert." + a.rule))],
      [a.village ? link("village", a.village, a.village)
        : a.station ? link("station", a.station, a.device ? a.station + "/" + a.device : a.station) : esc(a.gw)],
      [esc(time(a.start))], [a.end ? esc(time(a.end)) : "<b>" + esc(t("alert.open")) + "</b>", "wide"]]));
  }
  const alertHead = [["alert.severity"], ["alert.rule"], ["alert.subject"], ["alert.start"], ["alert.end", "wide"]];

  const pages = {
    overview: ["overview", "stations", "villages", "townships"],
    township: ["townships/" + P.id],
    village: ["villages/" + P.id],
    station: ["stations/" + P.id],
    alerts: ["alerts"],
  };
  const render = {
    overview(o, st, vi, tw) {
      const x = o.totals;
      let h = '<h2>' + esc(o.county) + " · " + esc(o.date) + "</h2><div class=cards>" +
        card("today_energy", val("k-today_wh", x.today_wh, kwh(x.today_wh))) +
        card("power", val("k-power_w", x.power_w, kw(x.power_w))) +
        card("month_energy", val("k-month_wh", x.month_wh, kwh(x.month_wh))) +
        card("alerts_open", val("k-alerts_open", x.alerts_open, '<a href="/alerts' + q + '">' + x.alerts_open + "</a>")) +
        ["producing", "asleep", "offline", "fault", "no_data"].map((k) => card("st." + k, val("k-" + k, x[k], String(x[k])))).join("") +
        card("villages", val("k-villages", x.villages, x.villages_ok + " / " + x.villages_at_risk + " / " + x.villages_below)) +
        "</div>";
      h += "<h3>" + esc(t("townships")) + "</h3>" + table([["name"], ["villages"], ["today_energy", "n"], ["month_fen", "n"], ["projection", "n wide"], ["target", "n wide"]],
        tw.map((w) => tr([[link("township", w.id, w.name)], [badge("tg", "ok") + " " + w.ok + " " + badge("tg", "at_risk") + " " + w.at_risk + " " + badge("tg", "below") + " " + w.below],
          [kwh(w.today_wh), "n"], [yuan(w.month_fen), "n"], [yuan(w.projection_fen), "n wide"], [yuan(w.target_fen), "n wide"]])));
      h += "<h3>" + esc(t("stations")) + "</h3>" + table(stationHead, stationRows(st));
      h += "<h3>" + esc(t("villages")) + "</h3>" + table(villageHead, villageRows(vi.slice().sort((a, b) =>
        ({ below: 0, at_risk: 1, ok: 2 })[a.target.status] - ({ below: 0, at_risk: 1, ok: 2 })[b.target.status])));
      return h;
    },
    township(w) {
      return "<h2>" + esc(t("page.township")) + " · " + esc(w.name) + "</h2><div class=cards>" +
        card("today_energy", val("k-today_wh", w.today_wh, kwh(w.today_wh))) + card("power", kw(w.power_w)) +
        card("month_fen", yuan(w.month_fen)) + card("projection", yuan(w.projection_fen)) + card("target", yuan(w.target_fen)) +
        "</div><h3>" + esc(t("villages")) + "</h3>" + table(villageHead, villageRows(w.villages)) +
        "<h3>" + esc(t("stations")) + "</h3>" + table(stationHead, stationRows(w.stations));
    },
    village(v) {
      const g = v.target;
      let h = "<h2>" + esc(t("page.village")) + " · " + esc(v.name) + " " + badge("tg", g.status) + "</h2><div class=cards>" +
        card("today_energy", kwh(v.today_wh)) + card("power", kw(v.power_w)) +
        card("month_fen", val("k-month_fen", g.month_fen, yuan(g.month_fen))) + card("ytd", yuan(g.ytd_fen)) +
        card("projection", val("k-projection_fen", g.projection_fen, yuan(g.projection_fen))) + card("target", yuan(g.target_fen)) + "</div>";
      h += "<h3>" + esc(t("stations")) + "</h3>" + table([["name"], ["status"], ["share", "n"], ["month_fen", "n"], ["today_energy", "n wide"]],
        v.stations.map((s) => tr([[link("station", s.id, s.name)], [badge("st", s.status)], [s.weight + "/" + s.total_weight, "n"],
          [yuan(s.month_fen), "n"], [kwh(s.today_wh), "n wide"]])));
      h += "<h3>" + esc(t("months")) + "</h3>" + bars(v.months.map((m) => m.fen / 100 * 1000), v.months.map((m) => m.month.slice(2)), "bar").replace(/ 千瓦时| kWh/g, " " + t("unit.yuan"));
      h += "<h3>" + esc(t("reasons")) + "</h3>" + (v.reasons.length ? "<ul>" + v.reasons.map((r) => "<li>" + esc(t("reason." + r.kind)) +
        (r.station ? " · " + link("station", r.station, r.station_name) : "") + (P.lang === "en" ? ' <span class="muted">' + esc(r.text_en) + "</span>" : "") + "</li>").join("") + "</ul>" : "<p>" + esc(t("none")) + "</p>");
      return h;
    },
    station(s) {
      let h = "<h2>" + esc(t("page.station")) + " · " + esc(s.name) + " " + badge("st", s.status) + "</h2><div class=cards>" +
        card("power", val("k-power_w", s.power_w, kw(s.power_w))) + card("today_energy", val("k-today_wh", s.today_wh, kwh(s.today_wh))) +
        card("month_energy", val("k-month_wh", s.month_wh, kwh(s.month_wh))) + card("month_revenue", yuan(s.month_fen)) +
        card("completeness", val("k-completeness", s.completeness_permille, pct(s.completeness_permille))) +
        card("source", esc(t("src." + s.month_source))) + card("capacity", kw(s.capacity_w)) + card("gateway", esc(s.gateway || "-")) +
        (s.irradiance_wm2 != null ? card("irradiance", val("k-irradiance", s.irradiance_wm2, s.irradiance_wm2 + " W/m²")) : "") + "</div>";
      h += "<h3>" + esc(t("devices")) + "</h3>" + table([["name"], ["kind", "wide"], ["state"], ["power", "n"], ["energy_counter", "n wide"], ["temp", "n wide"], ["alarms", "wide"], ["last_seen", "wide"]],
        s.devices.map((d) => tr([[esc(d.id)], [esc(t("kind." + d.kind)), "wide"], [badge("st", d.live) + (d.state ? ' <span class="muted">' + esc(d.state) + "</span>" : "")],
          [d.power_w != null ? val("dp-" + d.id, d.power_w, kw(d.power_w)) : d.irradiance_wm2 != null ? d.irradiance_wm2 + " W/m²" : "-", "n"], [d.energy_wh != null ? kwh(d.energy_wh) : "-", "n wide"],
          [d.temp_c != null ? d.temp_c.toFixed(1) + " °C" : "-", "n wide"], [d.alarms ? "0x" + d.alarms.toString(16) : esc(t("none")), "wide"], [esc(time(d.ts)), "wide"]])));
      h += "<h3>" + esc(t("hourly")) + "</h3>" + bars(s.hours.map((x) => x.meter_wh != null && x.meter_wh > 0 ? x.meter_wh : x.inverter_wh), s.hours.map((x) => String(x.hour)));
      h += "<h3>" + esc(t("days30")) + "</h3>" + bars(s.days.map((d) => d.wh), s.days.map((d) => d.date.slice(5)));
      h += "<h3>" + esc(t("villages")) + "</h3><p>" + s.villages.map((v) => link("village", v.id, v.name) + " " + v.weight + "/" + v.total_weight).join(" · ") + "</p>";
      h += "<h3>" + esc(t("flags")) + "</h3><p>" + (s.flags.length ? s.flags.map((f) => esc(t("flag." + f))).join(" · ") : esc(t("none"))) + "</p>";
      h += "<h3>" + esc(t("nav.alerts")) + "</h3>" + (s.alerts.length ? table(alertHead, alertRows(s.alerts)) : "<p>" + esc(t("none")) + "</p>");
      return h;
    },
    alerts(list) {
      return "<h2>" + esc(t("nav.alerts")) + "</h2>" + (list.length ? table(alertHead, alertRows(list)) : "<p>" + esc(t("none")) + "</p>");
    },
  };
  let failed = false;
  async function load() {
    try {
      const docs = await Promise.all(pages[P.page].map((p) => fetch("/api/v1/" + p + (P.page === "alerts" ? "?limit=500" : ""), { cache: "no-store" }).then((r) => {
        if (!r.ok) throw new Error(r.status);
        return r.json();
      })));
      app.innerHTML = render[P.page](...docs) + '<p class="muted" id="updated">' + esc(t("updated")) + " " + esc(time(Date.now())) + "</p>";
      failed = false;
    } catch (e) {
      if (!failed) app.insertAdjacentHTML("afterbegin", '<div class="err">' + esc(t("conn_lost")) + "</div>");
      failed = true;
    }
  }
  if (pages[P.page]) {
    load();
    setInterval(load, P.refresh * 1000);
  }
})();
