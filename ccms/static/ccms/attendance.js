// Attendance pages: the Print button of the daily sheet, and the live ratio board's refresh.
// No inline scripts: the content security policy forbids them.

document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) window.print();
});

// The board is replaced every few seconds. Screen readers hear the summary only when it
// changes, and a failed refresh (network down, signed out) keeps the last board with a notice
// instead of swapping in an error or the sign-in page.
(() => {
  const board = document.querySelector("[data-ratio-board]");
  if (!board) return;
  const announcer = document.getElementById("ratio-announcer");
  const stale = document.getElementById("ratio-stale");
  const summaryOf = (root) => {
    const banner = root.querySelector("[data-ratio-summary]");
    return banner ? banner.textContent.replace(/\s+/g, " ").trim() : "";
  };
  let lastSummary = summaryOf(board);

  const markStale = () => {
    if (!stale) return;
    const shown = board.querySelector("time");
    stale.textContent =
      "Could not refresh the board" +
      (shown ? "; it shows the rooms as of " + shown.textContent : "") +
      ". Check the connection, or reload the page to sign in again.";
    stale.hidden = false;
  };

  board.addEventListener("htmx:beforeSwap", (event) => {
    const xhr = event.detail.xhr;
    const ok = xhr.status === 200 && xhr.responseText.includes("data-ratio-summary");
    event.detail.shouldSwap = ok;
    if (!ok) markStale();
  });
  board.addEventListener("htmx:sendError", markStale);
  board.addEventListener("htmx:afterSwap", () => {
    if (stale) stale.hidden = true;
    const summary = summaryOf(board);
    if (announcer && summary !== lastSummary) announcer.textContent = summary;
    lastSummary = summary;
  });
})();
