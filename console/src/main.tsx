/**
 * The console's entry point: its stylesheet and the app, mounted on `#app`.
 */
import { render } from "preact";
import { App } from "./app";
import "./style.css";

render(<App />, document.getElementById("app")!);
