// Group registration: "add a person" adds the row in the page instead of sending the
// form (the server-side button keeps working without JavaScript, and past the limit).
"use strict";

document.addEventListener("click", (event) => {
  const button = event.target.closest("button[name=add_row][data-max]");
  if (!button) return;
  const rows = document.querySelectorAll("fieldset.row-fields[id^='person-']");
  const max = Number(button.dataset.max);
  if (!rows.length || rows.length >= max) return; // let the server answer
  event.preventDefault();
  const last = rows[rows.length - 1];
  const index = rows.length; // rows are colleagues-0 … colleagues-(n-1)
  const oldPrefix = /colleagues-\d+-/g;
  const newPrefix = `colleagues-${index}-`;
  const row = last.cloneNode(true);
  row.id = `person-${index + 1}`;
  row.querySelector("legend").textContent = button.dataset.legend.replace("0", String(index + 1));
  row.querySelectorAll(".error").forEach((node) => node.remove());
  row.querySelectorAll(".field-error").forEach((node) => node.classList.remove("field-error"));
  row.querySelectorAll("[for]").forEach((node) => {
    node.htmlFor = node.htmlFor.replace(oldPrefix, newPrefix);
  });
  row.querySelectorAll("input, select, textarea").forEach((input) => {
    input.id = input.id.replace(oldPrefix, newPrefix);
    input.name = input.name.replace(oldPrefix, newPrefix);
    input.value = "";
    input.removeAttribute("autofocus");
    input.removeAttribute("aria-describedby");
    input.setAttribute("aria-invalid", "false");
  });
  last.after(row);
  if (index + 1 >= max) button.hidden = true;
  row.querySelector("input").focus();
});
