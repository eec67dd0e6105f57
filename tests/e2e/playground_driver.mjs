// Drives the Microsoft 365 Agents Playground UI with headless Debian Chromium (playwright-core)
// and prints what a Teams user would see, as one JSON object on stdout. tests/e2e/test_playground.py
// starts the bot and the Playground, runs this script and asserts on its output.
//
//   node playground_driver.mjs '{"url": "http://127.0.0.1:56150/", "failureScreenshot": "fail.png",
//                                "turns": [{"text": "…", "like": true, "screenshot": "answer.png",
//                                           "waitForCitations": true, "streamScreenshot": "mid.png"}]}'
//
// Exit 0: {"ok": true, "turns": [...], "logPanel": [...], "pageErrors": [...]}
// Exit 1: {"ok": false, "error": "...", "step": "...", "chat": "...", "logPanel": [...]}
import { chromium } from 'playwright-core';

const options = JSON.parse(process.argv[2] ?? '{}');
const {
  url,
  turns = [],
  failureScreenshot = null,     // PNG of the page when a step fails
  executablePath = '/usr/bin/chromium',
  bootTimeoutMs = 45_000,       // first page load + conversation start
  replyTimeoutMs = 30_000,      // one bot reply
} = options;

// GUIDE A6: the flags that work for Debian's chromium in this sandbox.
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

// Selectors (checked against Playground 0.2.28). A message row is the parent of its header.
const EDITOR = '[data-lexical-editor="true"]';
const HEADER = '[aria-label="Message header"]';
const AUTHOR = '[aria-label="Message author"]';
const CITATION_BADGE = 'p a[role="button"]';
const LIKE = '[aria-label="Feedback Button"] button[aria-label="Like"]';

let step = 'launch';
const pageErrors = [];

function sleep(ms) { return new Promise((resolve) => setTimeout(resolve, ms)); }

async function until(what, timeoutMs, probe, explain = null, intervalMs = 200) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) {
      const detail = explain ? ` (${await explain().catch((e) => String(e))})` : '';
      throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${detail}`);
    }
    await sleep(intervalMs);
  }
}

// Every chat message in screen order: who wrote it and its visible text.
async function chatRows(page) {
  return page.evaluate(([header, author]) => [...document.querySelectorAll(header)].map((h) => {
    const row = h.parentElement;
    const body = [...row.children].filter((child) => child !== h).map((child) => child.innerText).join('\n');
    return { bot: !!h.querySelector(author), text: body.trim() };
  }), [HEADER, AUTHOR]);
}

// The Playground's Log Panel: one line per entry ("[time] A -> B message 201 text...").
async function logPanel(page) {
  return page.evaluate(() => {
    const title = [...document.querySelectorAll('span')].find((s) => s.textContent.trim() === 'Log Panel');
    if (!title) return [];
    // The entries are rows of spans whose first span is a "[time]" stamp.
    let panel = title;
    while (panel && !/\[\d{1,2}:\d{2}:\d{2}/.test(panel.innerText ?? '')) panel = panel.parentElement;
    if (!panel) return [];
    return [...panel.querySelectorAll('div')]
      .filter((d) => d.children[0]?.tagName === 'SPAN' && /^\[\d{1,2}:\d{2}:\d{2}/.test(d.children[0].textContent))
      .map((d) => d.innerText.replace(/\s+/g, ' ').trim());
  });
}

// Wait until the chat has not changed for quietMs (a reply is rendered in several passes).
async function settle(page, quietMs, timeoutMs) {
  let last = JSON.stringify(await chatRows(page));
  let since = Date.now();
  const deadline = Date.now() + timeoutMs;
  while (Date.now() - since < quietMs && Date.now() < deadline) {
    await sleep(150);
    const now = JSON.stringify(await chatRows(page));
    if (now !== last) { last = now; since = Date.now(); }
  }
}

async function rowLocator(page, index) {
  return page.locator(HEADER).nth(index).locator('xpath=..');
}

async function ask(page, turn) {
  step = `ask: ${turn.text}`;
  const before = (await chatRows(page)).length;
  const editor = page.locator(EDITOR);
  await editor.click();
  await page.keyboard.insertText(turn.text);
  await page.keyboard.press('Enter');

  step = `wait for the question to appear: ${turn.text}`;
  const userIndex = await until('the question in the chat', 10_000, async () => {
    const rows = await chatRows(page);
    const i = rows.findIndex((r, n) => n >= before && !r.bot && r.text.includes(turn.text));
    return i >= 0 ? i + 1 : 0;  // +1 so that index 0 counts as found
  }) - 1;

  step = `wait for the bot's reply to: ${turn.text}`;
  const started = Date.now();
  // A new bot row may be rendered above the question: the Playground shows the user's message only
  // when the bot's HTTP 200 for it returns, and a fast reply (an abstention takes ~30 ms) is posted
  // back before that. So a reply is any bot row that was not in the chat before the question.
  const isNewBotRow = (r, n) => n >= before && n !== userIndex && r.bot;
  // Every distinct text the reply shows while it arrives: a streamed reply (Teams streaming in 1:1
  // chats) shows the informative update, then growing partial texts, then the final message.
  const snapshots = [];
  let streamShot = false;
  await until('the bot reply', replyTimeoutMs, async () => {
    const rows = await chatRows(page);
    const replyAt = rows.findIndex((r, n) => isNewBotRow(r, n) && r.text);
    if (replyAt < 0) return false;
    const text = rows[replyAt].text;
    if (snapshots[snapshots.length - 1] !== text) snapshots.push(text);
    if (turn.streamScreenshot && !streamShot && snapshots.length >= 3) {
      await page.screenshot({ path: turn.streamScreenshot });  // mid-stream: a partial answer
      streamShot = true;
    }
    if (!turn.waitForCitations) return true;
    return (await (await rowLocator(page, replyAt)).locator(CITATION_BADGE).count()) > 0;
  }, null, 100);
  await settle(page, 1000, 10_000);
  const elapsedMs = Date.now() - started;

  const rows = await chatRows(page);
  const replyIndex = rows.findIndex(isNewBotRow);
  const row = await rowLocator(page, replyIndex);
  const header = page.locator(HEADER).nth(replyIndex);
  const result = {
    question: turn.text,
    elapsedMs,
    text: rows[replyIndex].text,
    newBotMessages: rows.filter(isNewBotRow).length,
    author: (await header.locator(AUTHOR).innerText()).trim(),
    aiLabel: await header.getByText('AI generated', { exact: true }).isVisible(),
    sensitivityLabel: (await header.locator('[role="img"][aria-label="庁内限り"]').count()) > 0,
    citationBadges: await row.locator(CITATION_BADGE).allInnerTexts(),
    likeButton: (await row.locator(LIKE).count()) === 1,
    citationPopup: null,
    feedback: null,
    snapshots,
    streamScreenshot: streamShot,
  };

  if (turn.screenshot) {
    step = 'screenshot';
    await page.screenshot({ path: turn.screenshot });
  }

  if (result.citationBadges.length) {
    // Hovering a badge opens Teams' citation popover: the quoted abstract and the document name.
    step = 'hover the first citation badge';
    const portals = page.locator('[data-portal-node="true"]');
    const portalsBefore = await portals.count();
    await row.locator(CITATION_BADGE).first().hover();
    result.citationPopup = await until('the citation popover', 5_000, async () => {
      const texts = await portals.allInnerTexts();
      return texts.slice(portalsBefore).map((t) => t.trim()).find(Boolean) ?? null;
    });
    await page.mouse.move(5, 995);
    await until('the citation popover to close', 5_000, async () => (await portals.count()) <= portalsBefore);
  }

  if (turn.like) result.feedback = await like(page, row);
  return result;
}

async function like(page, row) {
  step = 'click Like';
  const logBefore = (await logPanel(page)).length;
  await row.locator(LIKE).click();
  // Teams (and the Playground) ask for an optional comment before sending the invoke.
  step = 'fill the feedback form';
  const dialog = page.getByRole('dialog');
  await dialog.locator('textarea').waitFor({ state: 'visible', timeout: 10_000 });
  const form = (await dialog.innerText()).trim();
  await dialog.locator('textarea').fill('条文番号まで示されていて分かりやすいです');
  await dialog.getByRole('button', { name: 'Submit' }).click();
  // Then a confirmation ("Thank you! ...") that must be closed before the chat is usable again.
  step = 'close the feedback confirmation';
  const close = dialog.getByRole('button', { name: 'Close', exact: true });
  await close.waitFor({ state: 'visible', timeout: 10_000 });
  const confirmation = (await dialog.innerText()).trim();
  await close.click();
  await until('the feedback dialog to close', 10_000, async () => (await dialog.count()) === 0,
    async () => `still open: ${JSON.stringify(await dialog.allInnerTexts())}`);

  step = 'wait for the feedback invoke in the Log Panel';
  const entry = await until('an invoke entry in the Log Panel', 15_000, async () => {
    const entries = (await logPanel(page)).slice(logBefore);
    return entries.find((e) => /\binvoke\b/i.test(e)) ?? null;
  });
  await settle(page, 800, 5_000);
  const status = entry.match(/\binvoke\s+(\d{3})\b/i);
  return { form, confirmation, logEntry: entry, status: status ? Number(status[1]) : null };
}

async function main() {
  if (!url) throw new Error('no "url" given');
  const browser = await chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS });
  let page;
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 1000 }, locale: 'ja-JP' });
    // Keep all traffic on this machine: the UI asks a CDN for fonts and animations it can do without.
    await context.route('**/*', (route) => {
      const host = new URL(route.request().url()).hostname;
      return ['127.0.0.1', 'localhost', '[::1]'].includes(host) ? route.continue() : route.abort('blockedbyclient');
    });
    page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(String(error.message ?? error)));

    step = 'open the Playground';
    await page.goto(url, { waitUntil: 'domcontentloaded', timeout: bootTimeoutMs });
    await page.locator(EDITOR).waitFor({ state: 'visible', timeout: bootTimeoutMs });
    // Opening the UI starts a personal chat (installationUpdate, conversationUpdate; the bot may greet).
    step = 'wait for the conversation to start';
    await until('conversationUpdate in the Log Panel', bootTimeoutMs,
      async () => (await logPanel(page)).some((e) => /conversationUpdate \d{3}/.test(e)));
    await settle(page, 1500, 15_000);

    const results = [];
    for (const turn of turns) {
      results.push(await ask(page, turn));
    }
    return { ok: true, turns: results, logPanel: await logPanel(page), pageErrors };
  } catch (error) {
    const failure = { ok: false, step, error: String(error?.message ?? error), pageErrors };
    if (page) {
      failure.chat = await chatRows(page).catch(() => []);
      failure.logPanel = await logPanel(page).catch(() => []);
      if (failureScreenshot) await page.screenshot({ path: failureScreenshot }).catch(() => {});
    }
    return failure;
  } finally {
    await browser.close();
  }
}

let output;
try {
  output = await main();
} catch (error) {  // the browser did not start
  output = { ok: false, step, error: String(error?.message ?? error), pageErrors };
}
process.stdout.write(JSON.stringify(output) + '\n');
process.exitCode = output.ok ? 0 : 1;
