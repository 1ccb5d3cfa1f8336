// A search box above a list of checkboxes marked searchable: typing hides the choices that do
// not match. Runs on the page and on every fragment htmx swaps in.
(function () {
  function addSearch(root) {
    root.querySelectorAll("div.choices").forEach(function (list) {
      if (list.dataset.searchReady || !list.querySelector("[data-searchable]")) return;
      list.dataset.searchReady = "1";
      var box = document.createElement("input");
      box.type = "search";
      box.className = "choices-search";
      box.placeholder = "Search these tools";
      box.setAttribute("aria-label", "Search the choices");
      box.addEventListener("keydown", function (event) {
        if (event.key === "Enter") event.preventDefault();  // searching never submits the form
      });
      box.addEventListener("input", function () {
        var words = box.value.trim().toLowerCase();
        list.querySelectorAll("label").forEach(function (label) {
          var row = label.parentElement === list ? label : label.parentElement;
          row.hidden = words !== "" && label.textContent.toLowerCase().indexOf(words) === -1;
        });
      });
      list.parentNode.insertBefore(box, list);
    });
  }
  document.addEventListener("htmx:load", function (event) { addSearch(event.detail.elt); });
})();
