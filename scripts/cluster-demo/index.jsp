<%@ page contentType="text/html; charset=UTF-8" trimDirectiveWhitespaces="true" %><%!
    // The Engine's jvmRoute as Tomcat knows it (server.xml), read through JMX.
    static String node() {
        try {
            return String.valueOf(java.lang.management.ManagementFactory.getPlatformMBeanServer()
                .getAttribute(new javax.management.ObjectName("Catalina:type=Engine"), "jvmRoute"));
        } catch (Exception e) {
            return "unknown";
        }
    }
%><%
    // A counter kept in the session: with sticky sessions it counts up on the same node.
    Integer count = (Integer) session.getAttribute("count");
    count = count == null ? 1 : count + 1;
    session.setAttribute("count", count);
    String node = node();
%><!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Served by <%= node %></title>
<style>
body { font-family: system-ui, sans-serif; margin: 3rem; color: #1f2328; }
.node { font-size: 3rem; font-weight: 700; color: #0969da; }
td { padding: .2rem 1rem .2rem 0; } code { background: #f6f8fa; padding: .1rem .3rem; }
</style>
</head>
<body>
<p>This page was served by</p>
<p class="node" id="node"><%= node %></p>
<table>
<tr><td>Requests in this session</td><td id="count"><%= count %></td></tr>
<tr><td>Session id</td><td><code id="session"><%= session.getId() %></code></td></tr>
<tr><td>New session</td><td id="new"><%= session.isNew() %></td></tr>
</table>
<p>Reload: the counter goes up and the node stays the same (sticky session). Stop this node
(<code>scripts/cluster kill-node <%= node.replace("node", "") %></code>) and reload: another node
answers, with a new session.</p>
<p><a href="<%= response.encodeURL(request.getContextPath() + "/") %>">Reload without cookies
(;jsessionid= in the URL)</a></p>
</body>
</html>
