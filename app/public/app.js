"use strict";

// Links made in this browser, newest first, kept across page loads so their counts can be checked later.
// Each keeps the last target and count seen, so a failed refresh can still show them.
const STORAGE_KEY = "shortener.links";
const MAX_KEPT_LINKS = 20;
const COPIED_FEEDBACK_MS = 2000;

const form = document.getElementById("shorten-form");
const urlInput = document.getElementById("url");
const errorText = document.getElementById("error");
const refreshStatus = document.getElementById("refresh-status");
const emptyNote = document.getElementById("empty");
const table = document.getElementById("links");
const tableBody = table.querySelector("tbody");

function loadKeptLinks() {
  try {
    const kept = JSON.parse(localStorage.getItem(STORAGE_KEY) || "[]");
    return Array.isArray(kept) ? kept : [];
  } catch {
    return [];
  }
}

function keepLinks(links) {
  try {
    localStorage.setItem(STORAGE_KEY, JSON.stringify(links.slice(0, MAX_KEPT_LINKS)));
  } catch {
    // Storage can be disabled; the page still works for this visit.
  }
}

async function requestJson(path, options) {
  const response = await fetch(path, options);
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw Object.assign(new Error(body.error || `request failed (${response.status})`), { status: response.status });
  return body;
}

function showMessage(element, message) {
  element.textContent = message;
  element.hidden = message === "";
}

function copyButton(shortUrl) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "secondary copy";
  button.textContent = "Copy";
  button.setAttribute("aria-label", `Copy ${shortUrl}`);
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(shortUrl);
      button.textContent = "Copied";
    } catch {
      button.textContent = "Copy failed";
    }
    setTimeout(() => (button.textContent = "Copy"), COPIED_FEEDBACK_MS);
  });
  return button;
}

// Built with textContent and DOM properties only, never HTML strings, so a stored URL cannot inject markup.
function render(links) {
  tableBody.replaceChildren(
    ...links.map((link) => {
      const row = document.createElement("tr");
      row.dataset.code = link.code;

      const shortCell = document.createElement("td");
      shortCell.className = "short";
      const anchor = document.createElement("a");
      anchor.href = link.shortUrl;
      anchor.textContent = link.shortUrl;
      shortCell.append(anchor, copyButton(link.shortUrl));

      const targetCell = document.createElement("td");
      targetCell.className = "target";
      targetCell.textContent = link.url || "";
      targetCell.title = targetCell.textContent;

      const visitsCell = document.createElement("td");
      visitsCell.className = "visits";
      visitsCell.textContent = typeof link.visits === "number" ? String(link.visits) : "–";

      row.append(shortCell, targetCell, visitsCell);
      return row;
    }),
  );
  table.hidden = links.length === 0;
  emptyNote.hidden = links.length > 0;
}

async function refresh() {
  const kept = loadKeptLinks();
  const gone = new Set();
  let failure = "";
  const links = await Promise.all(
    kept.map(async (link) => {
      try {
        const stats = await requestJson(`/api/links/${encodeURIComponent(link.code)}`);
        return { ...link, url: stats.url, visits: stats.visits };
      } catch (error) {
        if (error.status === 404) gone.add(link.code);
        else failure = error.message;
        return link;
      }
    }),
  );
  const current = links.filter((link) => !gone.has(link.code));
  keepLinks(current);
  render(current);
  showMessage(refreshStatus, failure === "" ? "" : `Could not refresh the counts (${failure}). Showing the last counts seen.`);
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  showMessage(errorText, "");
  try {
    const created = await requestJson("/api/links", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ url: urlInput.value }),
    });
    keepLinks([{ code: created.code, shortUrl: created.shortUrl, url: created.url, visits: 0 }, ...loadKeptLinks()]);
    form.reset();
    await refresh();
  } catch (error) {
    showMessage(errorText, error.message);
  }
});

document.getElementById("refresh").addEventListener("click", () => void refresh());
// Coming back to the page (back button, another tab) is when a count has most likely changed.
window.addEventListener("pageshow", () => void refresh());
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible") void refresh();
});
