// Meeting mode: the keyboard drives the meeting.
//   → or j: next tool        ← or k: previous tool
//   1 2 3 4: keep, replace, remove, investigate (then type the rationale)
//   Enter in the rationale: save              Esc: leave the field
document.addEventListener("keydown", (event) => {
  const field = event.target.closest("input, textarea, select");
  if (event.key === "Escape" && field) {
    field.blur();
    return;
  }
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing && event.target.matches("#decision textarea")) {
    event.preventDefault();
    event.target.form.requestSubmit();
    return;
  }
  if (field || event.altKey || event.ctrlKey || event.metaKey) return;
  const follow = (rel) => {
    const link = document.querySelector(`a[rel=${rel}]`);
    if (link) window.location.assign(link.href);
  };
  if (event.key === "ArrowRight" || event.key === "j") follow("next");
  else if (event.key === "ArrowLeft" || event.key === "k") follow("prev");
  else if (["1", "2", "3", "4"].includes(event.key)) {
    const choice = document.querySelectorAll("input[name=decision]")[Number(event.key) - 1];
    if (choice) {
      event.preventDefault();
      choice.checked = true;
      document.querySelector("#decision textarea").focus();
    }
  }
});

// Once a decision is saved, leave the rationale so the arrows move on to the next tool; when
// it is refused, stay in the form to correct it.
document.addEventListener("htmx:afterSettle", () => {
  if (document.querySelector("#decision [role=alert]")) {
    document.querySelector("#decision textarea").focus();
  } else if (document.querySelector("#decision [role=status]") && document.activeElement) {
    document.activeElement.blur();
  }
});
