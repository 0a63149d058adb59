// blockwatt's widgets and pages in a real browser: `serve` on real data
// (Coin Metrics' community files from ../shared/data, imported by the
// CLI), Debian's Chromium driven by playwright-core, axe-core for
// accessibility. Screenshots go to target/browser/ so a failing run can be
// looked at. Run by scripts/test; BLOCKWATT_BIN names the binary.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium } from "playwright-core";

const root = resolve(import.meta.dirname, "..");
const bin = process.env.BLOCKWATT_BIN ?? join(root, "target/debug/blockwatt");
const data = process.env.BLOCKWATT_SHARED_DATA ?? join(root, "../shared/data");
const shots = join(root, "target/browser");
const axeSource = readFileSync(join(import.meta.dirname, "node_modules/axe-core/axe.min.js"), "utf8");

let serve, other, browser, base, otherBase;

function port() {
  return new Promise((ok) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const p = s.address().port;
      s.close(() => ok(p));
    });
  });
}

// Polls with a bound: never a fixed sleep.
async function until(what, check, ms = 30000) {
  const end = Date.now() + ms;
  for (;;) {
    try {
      if (await check()) return;
    } catch {}
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

before(async () => {
  mkdirSync(shots, { recursive: true });
  const dir = mkdtempSync(join(tmpdir(), "blockwatt-browser-"));
  const env = {
    ...process.env,
    BLOCKWATT_DATABASE_URL: `sqlite://${dir}/bw.db`,
    BLOCKWATT_PUBLISH__DAILY: "false",
    BLOCKWATT_API__RATE_LIMIT_PER_MINUTE: "0",
    BLOCKWATT_PRICE_URL: "http://127.0.0.1:9",
  };
  // Litecoin with Dogecoin: one merge-mined fleet, split between them by revenue.
  for (const [asset, chain] of [["btc", "bitcoin"], ["eth", "ethereum"], ["ltc", "litecoin"], ["doge", "dogecoin"]]) {
    execFileSync(bin, ["import", "coinmetrics", "--chain", chain, "--file", join(data, "coinmetrics", `${asset}.csv`)], { env, stdio: "pipe" });
  }
  // A published index of the newest day, for its report page.
  execFileSync(bin, ["publish", "--date", "2020-07-27"], { env, stdio: "pipe" });
  const p = await port();
  base = `http://127.0.0.1:${p}`;
  env.BLOCKWATT_API__PUBLIC_URL = base;
  serve = spawn(bin, ["serve", "--offline", "--addr", `127.0.0.1:${p}`], { env, stdio: ["ignore", "ignore", "pipe"] });
  serve.stderr.resume();
  await until("serve", async () => (await fetch(`${base}/healthz`)).ok);

  // A page on another origin (another port) that embeds three widgets,
  // one of a chain with no figure.
  const op = await port();
  otherBase = `http://127.0.0.1:${op}`;
  other = createServer((req, res) => {
    res.setHeader("content-type", "text/html; charset=utf-8");
    res.end(`<!doctype html><html lang="en"><head><title>A site that embeds blockwatt</title></head><body>
<h1>Our site</h1>
<div id="a" data-blockwatt-chain="bitcoin" data-blockwatt-metric="co2e" data-blockwatt-theme="dark" data-blockwatt-period="1y"></div>
<div id="b" data-blockwatt-chain="litecoin"></div>
<div id="c" data-blockwatt-chain="solana"></div>
<script src="${base}/widgets/embed.js" async></script></body></html>`);
  }).listen(op, "127.0.0.1");

  browser = await chromium.launch({
    executablePath: process.env.BLOCKWATT_CHROMIUM ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
});

after(async () => {
  await browser?.close();
  other?.close();
  serve?.kill();
});

// A page with its console errors and failed requests recorded.
async function open(url, { width = 1200, height = 900, dark = false, bypassCSP = false } = {}) {
  const page = await browser.newPage({ viewport: { width, height }, colorScheme: dark ? "dark" : "light", bypassCSP });
  const problems = [];
  page.on("console", (m) => { if (m.type() === "error") problems.push(`console: ${m.text()} (${m.location().url})`); });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("requestfailed", (r) => problems.push(`failed request: ${r.url()}`));
  page.on("response", (r) => { if (r.status() >= 500) problems.push(`${r.status()}: ${r.url()}`); });
  const response = await page.goto(url, { waitUntil: "load" });
  return { page, problems, response };
}

async function seriousA11y(page) {
  await page.addScriptTag({ content: axeSource });
  const result = await page.evaluate(async () => await window.axe.run(document, { resultTypes: ["violations"] }));
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join("; ")})`);
}

async function overflows(page) {
  return page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth);
}

for (const theme of ["light", "dark"]) {
  for (const width of [280, 720]) {
    test(`card, ${theme} theme, ${width} px: value, day, basis, band chart, readable`, async () => {
      const { page, problems, response } = await open(`${base}/widgets/bitcoin/card.html?theme=${theme}&period=1y`, { width, height: 400 });
      assert.equal(response.status(), 200);
      const text = await page.locator("article.card").innerText();
      assert.match(text, /\d TWh\/yr/);
      assert.match(text, /2020-07-27/);
      assert.match(text, /measured/);
      assert.equal(await page.locator("svg path.band").count(), 1);
      assert.equal(await page.locator("svg path.best").count(), 1);
      assert.match(await page.locator("svg title").textContent(), /daily from 2019-07-29 to 2020-07-27/);
      const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      assert.notEqual(bg, "rgba(0, 0, 0, 0)", "the card has its own background");
      assert.equal(await overflows(page), false, "no horizontal overflow");
      await page.screenshot({ path: join(shots, `card-${theme}-${width}.png`) });
      assert.deepEqual(problems, []);
      await page.close();
      // axe is injected as a script, which the card's CSP (rightly)
      // refuses: the accessibility check runs on a second load without it.
      const { page: audited } = await open(`${base}/widgets/bitcoin/card.html?theme=${theme}&period=1y`, { width, height: 400, bypassCSP: true });
      assert.deepEqual(await seriousA11y(audited), []);
      await audited.close();
    });
  }
}

test("card under theme=auto follows the reader's colour scheme", async () => {
  const { page } = await open(`${base}/widgets/bitcoin/card.html`, { width: 400, dark: true });
  const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  assert.equal(bg, "rgb(21, 24, 28)");
  await page.close();
});

test("a chain with no figure is a neutral card in words, with its status", async () => {
  const { page, response } = await open(`${base}/widgets/solana/card.html`, { width: 320 });
  assert.equal(response.status(), 404);
  const text = await page.locator("body").innerText();
  assert.match(text, /no data/);
  assert.doesNotMatch(text, /"type"|problem/);
  await page.close();
});

// Each page: what must be read on it, and how many band charts it draws.
const pages = [
  ["/", "landing", [/TWh\/yr/, /measured/], 0],
  ["/chains/bitcoin", "chain", [/TWh\/yr/, /measured/, /Inputs of 2020-07-27/, /What moves these figures/, /electricity price/], 5],
  ["/indices", "indices", [/2020-07-27/], 0],
  ["/indices/2020-07-27?version=1", "index", [/Daily index of 2020-07-27/, /TWh\/yr/, /sha256sum/, /blockwatt contributors/], 0],
  ["/methodology", "methods", [/pos-nodes/], 0],
  ["/methodology/hardware", "method", [/Formulas/, /Parameters/], 0],
  ["/methodology/catalogues/hardware", "catalogue", [/Antminer S19/, /rows/], 0],
  ["/widgets?chain=litecoin", "gallery", [/Litecoin/, /Badges/], 0],
  ["/mica/bitcoin?from=2019-01-01&to=2019-12-31", "mica", [/Sustainability indicators of Bitcoin/, /S\.8/, /Energy consumption/, /kWh/, /Table 3 applies/, /coal: \d/, /other renewable: \d/, /S\.36/], 0],
];
for (const [path, name, needles, bands] of pages) {
  for (const [width, dark] of [[360, false], [1200, false], [360, true], [1200, true]]) {
    const scheme = dark ? "dark" : "light";
    test(`${name} page at ${width} px, ${scheme}: rendered, no overflow, accessible`, async () => {
      const { page, problems, response } = await open(`${base}${path}`, { width, dark });
      assert.equal(response.status(), 200);
      const text = await page.locator("main").innerText();
      for (const n of needles) assert.match(text, n);
      assert.ok((await page.locator("svg path.band").count()) >= bands);
      assert.equal(await overflows(page), false, "no horizontal overflow");
      if (name === "gallery") {
        // Its live previews: two cards (sized iframes) and five badges.
        await until("the gallery's badges", async () =>
          (await page.locator("ul.badges img").evaluateAll((is) => is.filter((i) => i.complete && i.naturalWidth > 0).length)) === 5);
        assert.match(await page.frameLocator("iframe").first().locator("article.card").innerText(), /TWh\/yr/);
        // The snippets name this server.
        assert.match(await page.locator("#s-script").inputValue(), new RegExp(`<script src="${base}/widgets/embed\\.js" async>`));
        assert.match(await page.locator("#s-shields").inputValue(), /^https:\/\/img\.shields\.io\/endpoint\?url=/);
      }
      if (name === "index") assert.equal(await page.locator("figure.bars svg rect.bar").count(), 4);
      if (name === "mica" && width === 360) {
        // On a phone each indicator is a block of its own: no table to scroll sideways.
        const sideways = await page.locator("div.scroll").evaluateAll((ds) => ds.filter((d) => d.scrollWidth > d.clientWidth + 1).length);
        assert.equal(sideways, 0, "no MiCA table scrolls sideways at 360 px");
      }
      if (name === "chain") assert.ok((await page.locator("figure.tornado svg rect").count()) >= 5, "a tornado bar per parameter end");
      await page.screenshot({ path: join(shots, `${name}-${width}-${scheme}.png`), fullPage: true });
      assert.deepEqual(await seriousA11y(page), []);
      assert.deepEqual(problems, []);
      await page.close();
    });
  }
}

test("embedded from another origin: three cards, each sized to its content", async () => {
  const { page, problems } = await open(`${otherBase}/`, { width: 900 });
  await until("three iframes", async () => (await page.locator("iframe").count()) === 3);
  const frames = page.locator("iframe");
  // Each iframe leaves its initial 230 px for its card's own height.
  await until("the iframes to be sized by their cards", async () => {
    const heights = await frames.evaluateAll((fs) => fs.map((f) => Number(f.height)));
    return heights.every((h) => h !== 230 && h > 80);
  });
  const a = page.frameLocator("#a iframe");
  assert.match(await a.locator("article.card").innerText(), /Mt\/yr/);
  const c = page.frameLocator("#c iframe");
  assert.match(await c.locator("body").innerText(), /no data/);
  // A message naming a real frame, but from this page's own origin, does
  // not resize it.
  const before = await frames.first().evaluate((f) => f.height);
  const id = await frames.first().evaluate((f) => /bw-frame=([\w-]+)/.exec(new URL(f.src).hash)[1]);
  // Posted and waited for: embed.js's listener, added first, has run when ours does.
  await page.evaluate((frame) => new Promise((done) => {
    window.addEventListener("message", () => done(), { once: true });
    window.postMessage({ type: "blockwatt:size", frame, height: 999 }, "*");
  }), id);
  assert.equal(await frames.first().evaluate((f) => f.height), before);
  await page.screenshot({ path: join(shots, "embedded.png"), fullPage: true });
  // The one expected 404: the card of the chain with no figure.
  assert.deepEqual(problems.filter((p) => !p.includes("/widgets/solana/card.html")), []);
  await page.close();
});
