import { paramValueOf, stringVal } from "../serialization/param-value.ts";
import { arrayAt, at, stringAt } from "../type-hinting/run-view.ts";

const resultReference = /\$\(\s*tasks\.([^.\[\]()\s]+)\.results(?:\.|\[)/g;

const referencedTasks = (text: string): ReadonlyArray<string> => [...text.matchAll(resultReference)].map((m) => m[1]!);

const valueStrings = (raw: unknown): ReadonlyArray<string> => {
  const value = paramValueOf(raw);
  switch (value.type) {
    case "string":
      return [stringVal(value)];
    case "array":
      return value.array;
    case "object":
      return Object.values(value.object);
  }
};

/**
 * A pipeline task's `after`: its `runAfter`, then every task whose results it references in its
 * params or `when` expressions, without duplicates.
 */
export const taskOrder = (pipelineTask: unknown): Array<string> => {
  const after: Array<string> = [];
  const add = (name: string) => {
    if (!after.includes(name)) after.push(name);
  };
  for (const name of arrayAt(pipelineTask, "runAfter")) if (typeof name === "string") add(name);
  const texts = [
    ...arrayAt(pipelineTask, "params").flatMap((p) => valueStrings(at(p, "value"))),
    ...arrayAt(pipelineTask, "matrix", "params").flatMap((p) => valueStrings(at(p, "value"))),
    ...arrayAt(pipelineTask, "when").flatMap((w) => [
      stringAt(w, "input"),
      ...arrayAt(w, "values").filter((v): v is string => typeof v === "string"),
    ]),
  ];
  for (const text of texts) for (const name of referencedTasks(text)) add(name);
  return after;
};
