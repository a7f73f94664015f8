// The archive package page: when the export starts, say so where a screen reader hears it
// (the download itself, streamed, shows its progress in the browser's download bar).
document.addEventListener("DOMContentLoaded", () => {
  const button = document.getElementById("package-export");
  const status = document.getElementById("package-status");
  if (!button || !status) return;
  button.addEventListener("click", () => {
    status.textContent = button.dataset.started;
  });
});
