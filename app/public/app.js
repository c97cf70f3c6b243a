"use strict";

// Links made in this browser, newest first, kept across page loads so their counts can be checked later.
const STORAGE_KEY = "shortener.links";
const MAX_KEPT_LINKS = 20;

const form = document.getElementById("shorten-form");
const urlInput = document.getElementById("url");
const errorText = document.getElementById("error");
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

function showError(message) {
  errorText.textContent = message;
  errorText.hidden = message === "";
}

// Built with textContent and DOM properties only, never HTML strings, so a stored URL cannot inject markup.
function render(links, statsByCode) {
  tableBody.replaceChildren(
    ...links.map((link) => {
      const stats = statsByCode.get(link.code);
      const row = document.createElement("tr");
      row.dataset.code = link.code;

      const shortCell = document.createElement("td");
      const anchor = document.createElement("a");
      anchor.href = link.shortUrl;
      anchor.textContent = link.shortUrl;
      shortCell.append(anchor);

      const targetCell = document.createElement("td");
      targetCell.className = "target";
      targetCell.textContent = stats ? stats.url : "";
      targetCell.title = targetCell.textContent;

      const visitsCell = document.createElement("td");
      visitsCell.className = "visits";
      visitsCell.textContent = stats ? String(stats.visits) : "?";

      row.append(shortCell, targetCell, visitsCell);
      return row;
    }),
  );
  table.hidden = links.length === 0;
  emptyNote.hidden = links.length > 0;
}

async function refresh() {
  let links = loadKeptLinks();
  const statsByCode = new Map();
  const gone = new Set();
  await Promise.all(
    links.map(async (link) => {
      try {
        statsByCode.set(link.code, await requestJson(`/api/links/${encodeURIComponent(link.code)}`));
      } catch (error) {
        if (error.status === 404) gone.add(link.code);
      }
    }),
  );
  if (gone.size > 0) {
    links = links.filter((link) => !gone.has(link.code));
    keepLinks(links);
  }
  render(links, statsByCode);
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  showError("");
  try {
    const created = await requestJson("/api/links", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ url: urlInput.value }),
    });
    keepLinks([{ code: created.code, shortUrl: created.shortUrl }, ...loadKeptLinks()]);
    form.reset();
    await refresh();
  } catch (error) {
    showError(error.message);
  }
});

document.getElementById("refresh").addEventListener("click", () => void refresh());
// Coming back to the page (back button, another tab) is when a count has most likely changed.
window.addEventListener("pageshow", () => void refresh());
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible") void refresh();
});
