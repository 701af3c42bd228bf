// Buurtkaart's page: workbooks dropped on the page are sent at once, and while packs are
// being made the progress is asked for every half second. Without JavaScript the page still
// works through its forms and links.
"use strict";

function setUpDropzone(zone) {
  const input = zone.querySelector("input[type=file]");
  const form = zone.closest("form");
  zone.addEventListener("dragover", (event) => {
    event.preventDefault();
    zone.classList.add("dragging");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("dragging"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("dragging");
    if (event.dataTransfer.files.length > 0) {
      input.files = event.dataTransfer.files;
      form.requestSubmit();
    }
  });
}

function followProgress(box) {
  const bar = box.querySelector("progress");
  const label = box.querySelector("[data-progress-label]");
  const ask = async () => {
    const answer = await fetch(box.dataset.progress, { cache: "no-store" });
    const status = await answer.json();
    if (status.state === "done") {
      window.location.reload();
      return;
    }
    if (status.total > 0) {
      bar.max = status.total;
      bar.value = status.done;
      label.textContent = `${status.label}: ${status.done} / ${status.total}`;
    }
    window.setTimeout(ask, 500);
  };
  ask();
}

document.querySelectorAll("[data-dropzone]").forEach(setUpDropzone);
document.querySelectorAll("[data-progress]").forEach(followProgress);
