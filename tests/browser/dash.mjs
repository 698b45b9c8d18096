// Loads dashboard pages in Debian's chromium (playwright-core, no bundled browser) and prints
// what they show as one JSON document on stdout, for tests/it/test_serve_browser.sh to compare
// with the report and the store. Screenshots at 1280 and 390 px go to OUTDIR.
// usage: node dash.mjs BASE_URL STATION_ID OUTDIR
import { chromium } from "playwright-core";

const [base, station, outdir] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run"],
});
const out = { requests: [], errors: [] };
try {
  for (const width of [1280, 390]) {
    const page = await browser.newPage({ viewport: { width, height: 900 } });
    page.on("request", (r) => out.requests.push(r.url()));
    page.on("pageerror", (e) => out.errors.push(String(e)));
    page.on("console", (m) => { if (m.type() === "error") out.errors.push(m.text()); });
    for (const [name, path] of [["overview", "/"], ["station", "/station/" + station], ["overview_en", "/?lang=en"]]) {
      await page.goto(base + path, { waitUntil: "load" });
      await page.waitForSelector("#updated", { timeout: 30000 });
      const shown = await page.evaluate(() => {
        const o = {};
        document.querySelectorAll("[id][data-v]").forEach((e) => { o[e.id] = { v: e.dataset.v, text: e.textContent }; });
        return {
          values: o,
          title: document.title,
          lang: document.documentElement.lang,
          scrollWidth: document.documentElement.scrollWidth,
          clientWidth: document.documentElement.clientWidth,
          text: document.body.innerText.slice(0, 4000),
        };
      });
      out[name + "_" + width] = shown;
      if (name !== "overview_en")
        await page.screenshot({ path: `${outdir}/${name}-${width}.png`, fullPage: width === 390 && name === "station" });
    }
    await page.close();
  }
} finally {
  await browser.close();
}
console.log(JSON.stringify(out));
