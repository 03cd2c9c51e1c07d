// The live page, driven in Debian's Chromium by playwright-core (no browser download).
// Usage: node ui_test.mjs --url http://127.0.0.1:PORT --name NAME --screenshot FILE
//                         [--chromium /usr/bin/chromium] [--timeout-ms 30000]
// Opens <url>/ui, waits for the event stream, sends create-user {"name": NAME} from the page's
// form and waits until the answer panel says 201 and the request's row in the flow table
// (data-request-id = the answer's X-Request-Id) reaches 201; then the same name again, 409.
// Asserts on the DOM only. Prints one line `RESULT {"requestId", "uuid", ...}` for the caller
// (tests/browser/ui_browser_test.cpp checks app.users); exit 0 when every check passed, 1 with
// `FAIL <what>` otherwise, 2 on a bad command line.
import { existsSync } from "node:fs";
import { chromium } from "playwright-core";

function parseArgs(argv) {
  const args = { chromium: "/usr/bin/chromium", timeoutMs: 30000 };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (value === undefined) usage(`${flag} needs a value`);
    if (flag === "--url") args.url = value.replace(/\/$/, "");
    else if (flag === "--name") args.name = value;
    else if (flag === "--screenshot") args.screenshot = value;
    else if (flag === "--chromium") args.chromium = value;
    else if (flag === "--timeout-ms") args.timeoutMs = Number(value);
    else usage(`unknown flag ${flag}`);
  }
  if (!args.url || !args.name || !args.screenshot) usage("--url, --name and --screenshot are required");
  return args;
}
function usage(why) {
  console.error(`ui_test.mjs: ${why}`);
  process.exit(2);
}

const args = parseArgs(process.argv.slice(2));
// Loud, never a skip: CI must not pass without a browser.
if (!existsSync(args.chromium)) {
  console.error(`FAIL no Chromium at ${args.chromium} (scripts/install-deps --browser installs Debian's chromium)`);
  process.exit(1);
}

// The flags this machine needs (see README "Watch the flow"): as root Chromium refuses to run
// without --no-sandbox; without the background-networking ones it keeps dialling Google's hosts.
const browser = await chromium.launch({
  executablePath: args.chromium,
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
let page;
const consoleErrors = [];
try {
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.setDefaultTimeout(args.timeoutMs);
  // A 409 or 422 is logged as a failed resource load: that is the answer under test, not a fault.
  page.on("console", (m) => {
    if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) consoleErrors.push(m.text());
  });
  page.on("pageerror", (e) => consoleErrors.push(String(e)));

  const response = await page.goto(`${args.url}/ui`);
  check(response && response.status() === 200, `GET /ui answered ${response && response.status()}`);
  await page.waitForSelector('#conn[data-state="open"]');
  // The hello event fills the route list from the server's configuration.
  await page.waitForFunction(() => [...document.querySelectorAll("#route option")].some((o) => o.value === "create-user"));

  const first = await sendFromForm(page, args.name, "201");
  const row201 = await waitForRow(page, first.requestId, "201");
  const second = await sendFromForm(page, args.name, "409");
  const row409 = await waitForRow(page, second.requestId, "409");
  check(first.requestId !== second.requestId, "the 409 has a request ID of its own");

  // Each hop of the 201 was shown: published with partition and offset, the worker's decision.
  check(/^p\d+ @\d+/.test(row201.published), `201 row's published cell: '${row201.published}'`);
  check(row201.decided.startsWith("UserCreated"), `201 row's decided cell: '${row201.decided}'`);
  check(row409.decided.startsWith("UserDuplicated"), `409 row's decided cell: '${row409.decided}'`);
  // The counts table has caught up with both answers (stats come every second).
  await page.waitForFunction(() => {
    const n = (s) => Number(document.querySelector(`#counts tr[data-route="create-user"] td[data-status="${s}"]`)?.dataset.count || 0);
    return n("201") >= 1 && n("409") >= 1;
  });
  check(consoleErrors.length === 0, `no errors in the page's console: ${consoleErrors.join(" | ")}`);

  // Finished animations: the rows settle in their final colours.
  await page.screenshot({ path: args.screenshot, fullPage: true, animations: "disabled" });
  // A route with path parameters gets an input for each. This server configures none, so one is
  // added the way the hello event adds the configured routes.
  await page.evaluate(() => showRoutes([...routes, { name: "cancel", method: "POST", path: "/orders/{orderId}/lines/{line}" }]));
  await page.selectOption("#route", "cancel");
  await page.waitForSelector('#param-orderId[data-param="orderId"]');
  await page.waitForSelector('#param-line[data-param="line"]');
  check(consoleErrors.length === 0, `no errors in the page's console: ${consoleErrors.join(" | ")}`);

  console.log("RESULT " + JSON.stringify({ requestId: first.requestId, uuid: first.uuid, location: first.location,
    duplicateRequestId: second.requestId, screenshot: args.screenshot }));
} catch (e) {
  if (page) await page.screenshot({ path: args.screenshot.replace(/\.png$/, "") + "-failed.png", fullPage: true }).catch(() => {});
  console.error(`FAIL ${e && e.message ? e.message : e}`);
  process.exitCode = 1;
} finally {
  await browser.close();
}

function check(ok, what) {
  if (!ok) throw new Error(what);
}

// Fills the create-user form with `name`, sends it and waits for the answer panel to show
// `status`; returns what the panel shows.
async function sendFromForm(page, name, status) {
  await page.selectOption("#route", "create-user");
  await page.fill("#body", JSON.stringify({ name }));
  await page.fill("#idem-key", "");
  await page.fill("#prefer-wait", "");
  // The previous answer is cleared first, so the wait below sees this request's answer.
  await page.evaluate(() => { document.getElementById("answer").dataset.status = ""; });
  await page.click("#send");
  try {
    await page.waitForSelector(`#answer[data-status="${status}"]`);
  } catch (_) {
    const shown = await page.evaluate(() => document.getElementById("answer").dataset.status + " " +
      document.getElementById("answer-body").textContent);
    throw new Error(`expected the answer ${status} for ${name}, the page shows '${shown}'`);
  }
  const text = (id) => page.textContent(`#${id}`);
  const requestId = (await text("answer-request-id")).trim();
  check(/^[0-9a-f-]{36}$/.test(requestId), `X-Request-Id shown: '${requestId}'`);
  const body = JSON.parse(await text("answer-body"));
  const location = (await text("answer-location")).trim();
  if (status === "201") {
    check(body.name === name, `201 body names ${body.name}`);
    check(location === `/users/${body.uuid}`, `Location '${location}' for uuid ${body.uuid}`);
  }
  return { requestId, uuid: body.uuid, location };
}

// Waits until the flow table's row of `requestId` reaches `status` and returns its cells.
async function waitForRow(page, requestId, status) {
  const sel = `#flows tr[data-request-id="${requestId}"][data-status="${status}"]`;
  try {
    await page.waitForSelector(sel);
  } catch (_) {
    const rows = await page.$$eval("#flows tbody tr", (trs) => trs.map((t) => `${t.dataset.requestId}:${t.dataset.status}`));
    throw new Error(`no row ${requestId} with status ${status}; rows: ${rows.join(", ") || "none"}`);
  }
  return page.$eval(sel, (tr) => Object.fromEntries([...tr.cells].map((td) => [td.dataset.stage, td.textContent.trim()])));
}
