// Read a radar as its consumer does and print what it made of it, as JSON.
//   node read.mjs backstage radar.json   -> Backstage's TechRadarLoaderResponseParser (zod)
//   node read.mjs csv radar.csv          -> d3's csvParse, as build-your-own-radar's d3.csv
import { readFileSync } from "node:fs";
import { TechRadarLoaderResponseParser } from "@backstage-community/plugin-tech-radar-common";
import { csvParse } from "d3-dsv";

const [kind, file] = process.argv.slice(2);
const text = readFileSync(file, "utf8");
if (kind === "backstage") {
  const parsed = TechRadarLoaderResponseParser.safeParse(JSON.parse(text));
  console.log(JSON.stringify(parsed.success ? { ok: true, data: parsed.data } : { ok: false, issues: parsed.error.issues }));
} else {
  const rows = csvParse(text);
  console.log(JSON.stringify({ ok: true, columns: rows.columns, rows: Array.from(rows) }));
}
